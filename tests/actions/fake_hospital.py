"""A fake of the far side of the network: the hospital's v1 HTTP API on a
local port (``http.server`` in a thread), with in-memory state. The real
``HttpHospitalBackend`` talks to it over real HTTP, so the client's headers,
retries and error mapping are exercised too (no mocking of requests)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "test-token"
# services/errors.py PhoneLimitReached: what frees a place on a full phone
PHONE_LIMIT_MESSAGE = (
    "这个手机号已绑定的账号数量已达上限，暂时不能再绑定新的账号。"
    "请在原来绑定的微信、支付宝或设备上发送“删除我的数据”解除绑定，或致电医院由工作人员核实身份后办理"
)


DEPARTMENT_WORDS = {"皮服科": "dermatology", "皮膚科": "dermatology", "看心脏": "cardiology", "内分秘": "endocrinology"}


@dataclass
class FakeHospital:
    slots: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "dept|day" -> slots
    patients: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    appointments: dict[str, dict[str, Any]] = field(default_factory=dict)
    prescriptions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    otp_codes: dict[str, str] = field(default_factory=dict)
    # phones bound to MAX_ACCOUNTS_PER_PHONE chat accounts, none of them a lapsed web session
    full_phones: set[str] = field(default_factory=set)
    triage_answer: dict[str, Any] = field(
        default_factory=lambda: {
            "level": "routine",
            "departments": ["cardiology"],
            "red_flags": [],
            "advice": "注意休息。",
        }
    )
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # queued error answers
    idempotency: dict[str, str] = field(default_factory=dict)
    refills: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)
    paid_at_platform: set[str] = field(default_factory=set)  # appointment ids the platform says are paid
    payable: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # patient -> refills with open fees
    counter: int = 0

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def add_patient(self, name: str, phone: str, channel: str = "web", user: str = "u1") -> str:
        pid = self.new_id("pat")
        self.patients[pid] = {
            "id": pid,
            "name": name,
            "phone": phone[:3] + "****" + phone[-4:],
            "_phone": phone,
            "id_number": "1101**********7578",
        }
        self.accounts.setdefault((channel, user), []).append(pid)
        return pid

    def public(self, patient: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in patient.items() if not k.startswith("_")}

    # --- request handling -------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: Any, headers: Any) -> tuple[int, Any]:
        self.requests.append({"method": method, "path": path, "query": query, "body": body, "headers": dict(headers)})
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "unauthorized", "message": "没有访问权限"}
        if self.fail_next:
            return self.fail_next.pop(0)
        route = (method, path)
        if route == ("GET", "/api/v1/departments"):
            return 200, [{"code": "cardiology", "name": "心血管内科"}, {"code": "stomatology", "name": "口腔科"}]
        if route == ("GET", "/api/v1/departments/resolve"):  # the app's pinyin/typo resolver, in brief
            text = query.get("text", "")
            return 200, {"code": next((c for w, c in DEPARTMENT_WORDS.items() if w in text), None)}
        if route == ("GET", "/api/v1/slots"):
            return 200, self.slots.get(f"{query.get('department')}|{query.get('date')}", [])
        if route == ("GET", "/api/v1/accounts/patients"):
            ids = self.accounts.get((query.get("channel", ""), query.get("channel_user_id", "")), [])
            return 200, [self.public(self.patients[i]) for i in ids]
        if route == ("POST", "/api/v1/patients"):
            if not str(body.get("phone", "")).startswith("1"):
                return 422, {"error": "invalid", "message": "请检查：手机号（缺少或格式不对）"}
            account = body.get("account") or {}
            if account and body.get("code") is None:  # binding needs the phone's code first
                self.otp_codes[f"bind:{body['phone']}"] = "135791"
                masked = body["phone"][:3] + "****" + body["phone"][-4:]
                return 403, {"error": "phone_code_sent", "message": f"已向手机号{masked}发送验证码", "phone": masked}
            if account and self.otp_codes.get(f"bind:{body['phone']}") != body.get("code"):
                return 422, {"error": "otp_invalid", "message": "验证码不正确，还可以再试4次"}
            if account and body["phone"] in self.full_phones:  # the code is spent first, then the cap
                return 409, {"error": "phone_limit", "message": PHONE_LIMIT_MESSAGE}
            pid = self.add_patient(
                body["name"], body["phone"], account.get("channel", "web"), account.get("channel_user_id", "-")
            )
            return 201, self.public(self.patients[pid])
        if route == ("POST", "/api/v1/appointments"):
            return self.book(body, headers.get("Idempotency-Key"))
        if route == ("GET", "/api/v1/appointments"):
            return 200, [a for a in self.appointments.values() if a["patient_id"] == query.get("patient_id")]
        if method == "POST" and path.startswith("/api/v1/appointments/") and path.endswith("/cancel"):
            appt = self.appointments.get(path.split("/")[4])
            if appt is None:
                return 404, {"error": "not_found", "message": "没有找到这个预约"}
            paid = appt["status"] == "confirmed" and appt.get("payment", {}).get("status") == "paid"
            appt["status"] = "cancelled"
            refund = {"amount_fen": appt["fee_fen"], "status": "pending", "working_days": 7} if paid else None
            return 200, {**appt, "refund": refund}
        if method == "POST" and path.startswith("/api/v1/appointments/") and path.endswith("/reschedule"):
            return self.reschedule(path.split("/")[4], body, headers.get("Idempotency-Key"))
        if method == "POST" and path.startswith("/api/v1/appointments/") and path.endswith("/payment/check"):
            appt = self.appointments.get(path.split("/")[4])
            if appt is None:
                return 404, {"error": "not_found", "message": "没有找到这个预约"}
            if appt["status"] == "held" and appt["id"] in self.paid_at_platform:
                appt["status"] = "confirmed"
                appt["payment"] = {**appt["payment"], "status": "paid"}
                appt["payment"].pop("pay_link", None)
            return 200, appt
        if route == ("POST", "/api/v1/triage"):
            return 200, self.triage_answer
        if route == ("POST", "/api/v1/otp"):
            self.otp_codes[body["phone"]] = "246810"
            return 201, {"sent": True}
        if route == ("POST", "/api/v1/otp/verify"):
            if self.otp_codes.get(body["phone"]) == body.get("code"):
                return 200, {"verified": True, "token": f"otp-{body['phone']}"}
            return 422, {"error": "invalid_code", "message": "验证码不正确"}
        if route == ("POST", "/api/v1/accounts/patients/claim"):
            return self.claim(body)
        if method == "GET" and path.endswith("/results"):
            pid = path.split("/")[4]
            phone = self.patients.get(pid, {}).get("_phone")
            if headers.get("X-Verification-Token") != f"otp-{phone}":
                return 403, {"error": "otp_required", "message": "请先验证手机"}
            return 200, self.results.get(pid, [])
        if method == "GET" and path.endswith("/refills/payable"):
            return 200, self.payable.get(path.split("/")[4], [])
        if method == "GET" and path.endswith("/prescriptions"):
            return 200, self.prescriptions.get(path.split("/")[4], [])
        if route == ("POST", "/api/v1/handoffs"):
            self.handoffs.append(body)
            return 201, {"id": len(self.handoffs), "status": "open", "created": True}
        if route == ("POST", "/api/v1/refills"):
            rx_ids = [rx["id"] for rx in self.prescriptions.get(body["patient_id"], [])]
            if body["prescription_id"] not in rx_ids:
                return 409, {"error": "not_eligible", "message": "这张处方不能续方"}
            self.refills.append(body)
            return 201, {"id": self.new_id("rfl"), "status": "submitted"}
        return 404, {"error": "not_found", "message": "没有找到"}

    def claim(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The phone's patients for the chat account, after the code sent to that phone."""
        phone = body["phone"]
        if self.otp_codes.get(phone) != body.get("code"):
            return 422, {"error": "otp_invalid", "message": "验证码不正确，还可以再试4次"}
        del self.otp_codes[phone]
        account = (body["account"]["channel"], body["account"]["channel_user_id"])
        mine = [pid for pid, p in self.patients.items() if p["_phone"] == phone]
        bound = self.accounts.setdefault(account, [])
        bound.extend(pid for pid in mine if pid not in bound)
        records = {"results": self.results, "refill": self.prescriptions}.get(body.get("purpose", ""))
        patients = [
            {**self.public(self.patients[p]), "has_records": bool(records.get(p)) if records is not None else True}
            for p in mine
        ]
        return 200, {"patients": patients, "token": f"otp-{phone}"}

    def reschedule(self, old_id: str, body: dict[str, Any], key: str | None) -> tuple[int, Any]:
        """As the hospital moves a visit: what was paid is carried, the difference settled."""
        old = self.appointments.get(old_id)
        if old is None:
            return 404, {"error": "not_found", "message": "没有找到这个预约"}
        if key and key in self.idempotency:
            return 201, self.appointments[self.idempotency[key]]
        if old["status"] not in ("held", "confirmed"):
            return 409, {"error": "not_reschedulable", "message": "这个预约已经改约、取消、过期或已就诊，不能再改约"}
        paid = old["status"] == "confirmed" and old.get("payment", {}).get("status") == "paid"
        credit = old["fee_fen"] if paid else 0
        status, answer = self.book({"patient_id": old["patient_id"], "slot_id": body["slot_id"]}, None)
        if status != 201:
            return status, answer
        old["status"] = "cancelled"
        due = answer["fee_fen"] - credit
        answer["rescheduled_from"] = old_id
        refund = {"amount_fen": -due, "status": "pending", "working_days": 7} if due < 0 else None
        answer["carried_over"] = {"paid_fen": credit, "difference_fen": due, "refund": refund}
        if due <= 0:
            answer["status"] = "confirmed"
            answer["payment"] = {"out_trade_no": "T" + old_id, "amount_fen": credit, "status": "paid"}
        else:
            answer["payment"] = {**answer["payment"], "amount_fen": due}
        if key:
            self.idempotency[key] = answer["id"]
        return 201, answer

    def book(self, body: dict[str, Any], key: str | None) -> tuple[int, Any]:
        if key and key in self.idempotency:
            return 201, self.appointments[self.idempotency[key]]
        slot = next((s for ss in self.slots.values() for s in ss if s["id"] == body["slot_id"]), None)
        if slot is None or slot["remaining"] <= 0:
            return 409, {"error": "sold_out", "message": "这个时段的号已经约满了"}
        slot["remaining"] -= 1
        aid = self.new_id("apt")
        self.appointments[aid] = {
            "id": aid,
            "status": "held" if slot["fee_fen"] else "confirmed",
            "patient_id": body["patient_id"],
            "slot_id": slot["id"],
            "department": slot["department"],
            "department_name": "心血管内科",
            "doctor": slot["doctor"],
            "start": slot["start"],
            "fee_fen": slot["fee_fen"],
            "hold_expires_at": "2099-01-01T00:00:00+00:00",
            "payment": {
                "out_trade_no": "T" + aid,
                "amount_fen": slot["fee_fen"],
                "pay_url": f"http://pay.local/{aid}",
                "pay_link": f"http://hospital.local/p/{aid.lower()}0000000000",
            },
        }
        if key:
            self.idempotency[key] = aid
        return 201, self.appointments[aid]


class _Handler(BaseHTTPRequestHandler):
    hospital: FakeHospital

    def _serve(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        status, payload = self.hospital.handle(method, url.path, query, body, self.headers)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        return


class FakeHospitalServer:
    def __init__(self, hospital: FakeHospital | None = None) -> None:
        self.hospital = hospital or FakeHospital()
        handler = type("Handler", (_Handler,), {"hospital": self.hospital})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeHospitalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
