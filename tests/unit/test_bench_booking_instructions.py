"""bench/booking_instructions.py's plumbing: the WSGI calls it counts, the outcomes it reads
back, and the totals it takes from callgrind's dumps (the counting itself needs valgrind)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, jsonify, request

from bench.booking_instructions import _call_all, _dumps, _environ, _outcome


def test_requests_reach_the_app_as_a_server_hands_them() -> None:
    app = Flask(__name__)

    @app.post("/book")
    def book() -> tuple[Response, int]:
        data = request.get_json()
        if data["slot_id"] == "full":
            return jsonify({"error": "sold_out"}), 409
        return jsonify({"status": "held", "by": request.headers.get("Authorization")}), 201

    extra = {"HTTP_AUTHORIZATION": "Bearer t"}
    answers = _call_all(
        app.wsgi_app, [_environ("/book", {"patient_id": "p", "slot_id": s}, extra) for s in ("a", "full")]
    )
    assert [status for status, _ in answers] == ["201 CREATED", "409 CONFLICT"]
    assert [_outcome(status, raw) for status, raw in answers] == ["held", "sold_out"]
    assert _outcome("500 INTERNAL SERVER ERROR", b"<html>") == "500"


def test_each_dump_is_read_under_its_loops_name(tmp_path: Path) -> None:
    for n, (name, total) in enumerate((("ours", 1234567), ("floor", 89012)), start=1):
        (tmp_path / f"callgrind.out.{n}").write_text(
            f"# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 1\ncmd: python\npart: {n}\n"
            f"desc: I1 cache:\ndesc: Trigger: Client Request: {name}\n\npositions: line\nevents: Ir\n"
            f"summary: {total}\n\nfn=(1) main\n0 {total}\n\ntotals: {total}\n"
        )
    (tmp_path / "callgrind.out").write_text("desc: Trigger: Program termination\nsummary: 5\n")
    assert _dumps(tmp_path) == {"ours": 1234567, "floor": 89012}
