"""Throwaway PostgreSQL servers a test starts, stops and kills itself (initdb and pg_ctl
from the PostgreSQL server binaries, on a free 127.0.0.1 port), for what the shared
test server must never be put through: being shut down, or dying under load.

PostgreSQL refuses to run as root, so under root (CI, containers) every server
process runs as the `postgres` account the Debian package creates, in a directory
that account owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.concurrency.server import free_port

# With the C locale alone initdb picks SQL_ASCII, whose text psycopg returns as bytes.
UTF8_C = ("--locale=C", "-E", "UTF8")


def server_bin_dir() -> Path | None:
    """The newest installed server's binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def server_unavailable_reason() -> str | None:
    if server_bin_dir() is None:
        return "no PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin or on PATH"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres account to run the server as"
    return None


def as_server_user() -> dict[str, Any]:
    """subprocess arguments that drop root to the postgres account (nothing otherwise)."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def scratch_dir(prefix: str) -> Path:
    """A directory the server account can own and reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    if os.geteuid() == 0:
        path.chmod(0o755)
        shutil.chown(path, "postgres", "postgres")
    return path


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def accepts(port: int) -> bool:
    bin_dir = server_bin_dir()
    assert bin_dir is not None
    probe = [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q", "-t", "1"]
    return subprocess.run(probe, check=False).returncode == 0


@dataclass
class Server:
    """One PostgreSQL data directory and the server on its port."""

    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        bin_dir = server_bin_dir()
        assert bin_dir is not None
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            **as_server_user(),
        )

    def start(self) -> None:
        log = self.data.parent / "server.log"
        self._ctl("-l", str(log), "-w", "-t", "30", "-o", f"-p {self.port} -k {self.data.parent}", "start")
        wait_until(lambda: accepts(self.port), 30, f"PostgreSQL on port {self.port}")

    def stop_immediately(self) -> None:
        """The database goes away at once, as on a crash: every connection is cut."""
        self._ctl("-m", "immediate", "stop")


@contextmanager
def throwaway_server() -> Iterator[Server]:
    bin_dir = server_bin_dir()
    assert bin_dir is not None, server_unavailable_reason()
    root = scratch_dir("hospital-pg-")
    server = Server(root / "data", free_port())
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust", *UTF8_C],
            check=True,
            capture_output=True,
            **as_server_user(),
        )
        server.start()
        yield server
    finally:
        if accepts(server.port):
            server.stop_immediately()
        shutil.rmtree(root, ignore_errors=True)
