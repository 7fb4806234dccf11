"""A two-node PostgreSQL cluster under Patroni, with one etcd as its consensus store, on
127.0.0.1 ports: started by a test, its primary killed by the test, torn down after.

Patroni holds the leader key in etcd with a lease; a primary that dies stops renewing it,
the key lapses after `ttl`, and the replica that was streaming synchronously takes the
key and promotes itself. `synchronous_mode` is what makes "no acknowledged booking is
lost" true: a commit returns only once the standby has the WAL, and Patroni fails over
only to that standby. (With asynchronous replication the last commits before a crash
may exist on the dead primary alone.)

Short timings for a test (ttl 10 s, loop 1 s); production keeps Patroni's defaults
(docs/operations.md, "Database failover").
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests import pg_cluster
from tests.concurrency.server import free_port

TTL_SECONDS = 10
LOOP_WAIT_SECONDS = 1
RETRY_TIMEOUT_SECONDS = 4


def unavailable_reason() -> str | None:
    missing = [name for name in ("patroni", "etcd") if shutil.which(name) is None]
    if missing:
        return (
            f"{' and '.join(missing)} not installed (Debian packages patroni and etcd-server: "
            "apt-get install patroni etcd-server)"
        )
    return pg_cluster.server_unavailable_reason()


@dataclass
class Node:
    name: str
    pg_port: int
    api_port: int
    data: Path
    process: subprocess.Popen[bytes] | None = None

    def status(self, path: str) -> int:
        try:
            return requests.get(f"http://127.0.0.1:{self.api_port}/{path}", timeout=1).status_code
        except requests.RequestException:
            return 0

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{database}"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


@dataclass
class Cluster:
    root: Path
    etcd_port: int
    nodes: list[Node] = field(default_factory=list)

    def multi_host_url(self, database: str) -> str:
        """What the app is given: libpq tries each host and keeps the one that takes writes."""
        hosts = ",".join(f"127.0.0.1:{node.pg_port}" for node in self.nodes)
        return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"

    def primary(self) -> Node | None:
        return next((node for node in self.nodes if node.status("primary") == 200), None)

    def kill(self, node: Node) -> None:
        """kill -9 the whole node at once, as when its machine dies: Patroni, the postmaster
        and every PostgreSQL backend, so nothing gets to say goodbye or renew the lease."""
        pids = [node.process.pid] if node.process else []
        postmaster = node.postmaster_pid()
        if postmaster:
            pids += [postmaster, *_children(postmaster)]
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
    return found


def _patroni_config(cluster: Cluster, node: Node, bin_dir: Path) -> dict[str, object]:
    return {
        "scope": f"hospital-{cluster.etcd_port}",
        "name": node.name,
        "log": {"level": "INFO"},
        "restapi": {"listen": f"127.0.0.1:{node.api_port}", "connect_address": f"127.0.0.1:{node.api_port}"},
        "etcd3": {"hosts": f"127.0.0.1:{cluster.etcd_port}"},
        "bootstrap": {
            "dcs": {
                "ttl": TTL_SECONDS,
                "loop_wait": LOOP_WAIT_SECONDS,
                "retry_timeout": RETRY_TIMEOUT_SECONDS,
                "maximum_lag_on_failover": 1024 * 1024,
                "synchronous_mode": True,
                "postgresql": {"use_pg_rewind": False, "parameters": {"max_connections": 100, "wal_level": "replica"}},
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C"}],
            "pg_hba": [
                "local all all trust",
                "host all all 127.0.0.1/32 trust",
                "host replication all 127.0.0.1/32 trust",
            ],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{node.pg_port}",
            "connect_address": f"127.0.0.1:{node.pg_port}",
            "data_dir": str(node.data),
            "bin_dir": str(bin_dir),
            "pgpass": str(node.data.parent / "pgpass"),
            "authentication": {
                "superuser": {"username": "postgres", "password": "postgres"},
                "replication": {"username": "postgres", "password": "postgres"},
            },
            "parameters": {"unix_socket_directories": str(node.data.parent), "fsync": "on"},
        },
    }


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **pg_cluster.as_server_user())


def _stop(process: subprocess.Popen[bytes] | None, wait: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _start_etcd(root: Path, port: int) -> subprocess.Popen[bytes]:
    peer = f"http://127.0.0.1:{free_port()}"
    client = f"http://127.0.0.1:{port}"
    args = ["etcd", "--name", "e0", "--data-dir", str(root / "etcd"), "--listen-client-urls", client]
    args += ["--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer]
    args += ["--initial-cluster", f"e0={peer}", "--log-level", "warn"]
    process = _spawn(args, root / "etcd.log")

    def healthy() -> bool:
        with suppress(requests.RequestException):
            return requests.get(f"{client}/health", timeout=1).json().get("health") == "true"
        return False

    pg_cluster.wait_until(healthy, 30, "etcd")
    return process


def _start_node(cluster: Cluster, node: Node, bin_dir: Path) -> None:
    config = cluster.root / f"{node.name}.yml"
    config.write_text(json.dumps(_patroni_config(cluster, node, bin_dir)))  # JSON is YAML
    if os.geteuid() == 0:
        shutil.chown(config, "postgres", "postgres")
    node.process = _spawn(["patroni", str(config)], cluster.root / f"{node.name}.log")


@contextmanager
def patroni_cluster() -> Iterator[Cluster]:
    """etcd, then node0 (bootstraps and leads), then node1 (copies it, streams synchronously)."""
    bin_dir = pg_cluster.server_bin_dir()
    assert bin_dir is not None
    root = pg_cluster.scratch_dir("hospital-patroni-")
    cluster = Cluster(root, free_port())
    etcd = None
    try:
        etcd = _start_etcd(root, cluster.etcd_port)
        for n in range(2):
            node_dir = root / f"node{n}"
            node_dir.mkdir()
            if os.geteuid() == 0:
                shutil.chown(node_dir, "postgres", "postgres")
            cluster.nodes.append(Node(f"node{n}", free_port(), free_port(), node_dir / "data"))
        first, second = cluster.nodes
        _start_node(cluster, first, bin_dir)
        pg_cluster.wait_until(lambda: first.status("primary") == 200, 90, f"Patroni to bootstrap {first.name}")
        _start_node(cluster, second, bin_dir)
        pg_cluster.wait_until(lambda: second.status("sync") == 200, 120, f"{second.name} to stream synchronously")
        yield cluster
    except Exception:
        for log in sorted(root.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        for node in cluster.nodes:
            _stop(node.process)
            if node.postmaster_pid() and pg_cluster.accepts(node.pg_port):
                pg_cluster.Server(node.data, node.pg_port).stop_immediately()
        _stop(etcd)
        time.sleep(0.2)
        shutil.rmtree(root, ignore_errors=True)
