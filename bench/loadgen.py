"""A lean HTTP/1.1 load generator: asyncio, one keep-alive connection per client.

`requests` costs ~0.5 ms of CPU per call, and with client and server sharing
two cores that would bench the client. Speaking HTTP/1.1 over raw asyncio
streams costs a few tens of microseconds per call, so nearly all the CPU goes
to the server; `LoadResult.client_cpu_s` reports what the client used, so the
claim can be checked on every run.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Response:
    status: int  # 0 when the connection failed
    body: bytes
    seconds: float
    error: str = ""

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


@dataclass
class LoadResult:
    responses: list[Response] = field(default_factory=list)  # in the order of the requests
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_busy: float = 0.0  # fraction of all cores busy (client, server and database together)

    @property
    def throughput(self) -> float:
        return len(self.responses) / self.wall_s if self.wall_s else 0.0

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(r.seconds for r in self.responses)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def client_cores(self) -> float:
        """Average cores the load generator itself kept busy."""
        return self.client_cpu_s / self.wall_s if self.wall_s else 0.0


class _Connection:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            status, body = await self._exchange(request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.close()
            return Response(0, b"", time.perf_counter() - started, type(exc).__name__)
        return Response(status, body, time.perf_counter() - started)

    async def _exchange(self, request: Request) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = json.dumps(request.body).encode() if request.body is not None else b""
        head = f"{request.method} {request.path} HTTP/1.1\r\n{self.fixed}"
        if request.body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        body = await self._read_body(headers)
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    async def _read_body(self, headers: dict[bytes, bytes]) -> bytes:
        assert self.reader is not None
        if b"content-length" in headers:
            return await self.reader.readexactly(int(headers[b"content-length"]))
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            return b"".join(chunks)
        body = await self.reader.read()
        self.close()
        return body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _run(base_url: str, requests: Sequence[Request], clients: int, headers: dict[str, str]) -> LoadResult:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    connections = [_Connection(host, port, headers) for _ in range(clients)]
    # Connect first, so the timed part measures requests, not the TCP handshakes.
    await asyncio.gather(*(c.send(Request("GET", "/healthz")) for c in connections))
    results: list[Response | None] = [None] * len(requests)
    cursor = iter(range(len(requests)))

    async def client(connection: _Connection) -> None:
        for index in cursor:  # a shared iterator: each request is taken exactly once
            results[index] = await connection.send(requests[index])

    cpu_before, machine_before = resource.getrusage(resource.RUSAGE_SELF), _machine_ticks()
    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    wall = time.perf_counter() - started
    cpu_after, machine_after = resource.getrusage(resource.RUSAGE_SELF), _machine_ticks()
    for connection in connections:
        connection.close()
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    total, idle = (after - before for before, after in zip(machine_before, machine_after, strict=True))
    busy = 1 - idle / total if total else 0.0
    return LoadResult([r for r in results if r is not None], wall, cpu, busy)


def _machine_ticks() -> tuple[int, int]:
    """(all, idle) CPU ticks since boot, from /proc/stat; zeros where there is none."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(n) for n in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(fields[:8]), fields[3] + fields[4]  # idle + iowait; guest time is already in user


def fire(base_url: str, requests: Sequence[Request], clients: int, headers: dict[str, str] | None = None) -> LoadResult:
    """Send every request once, `clients` at a time, each client waiting for its answer (closed loop)."""
    return asyncio.run(_run(base_url, requests, clients, headers or {}))
