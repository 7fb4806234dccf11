"""gunicorn settings for the app. Binds to BIND_ADDRESS (127.0.0.1 by default; 0.0.0.0
in a container, where the pod network and a Service front it: the load balancer or a
reverse proxy faces the internet, never gunicorn itself). WEB_CONCURRENCY worker
processes, GUNICORN_THREADS threads each."""

import os
import shutil
from pathlib import Path

bind = f"{os.environ.get('BIND_ADDRESS', '127.0.0.1')}:{os.environ.get('APP_PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# More threads than the admission gates together (web/admission.py: 4 booking + 8 chat + 4
# red-flag), so an overload queues at the gates, which shed it quickly, not inside gunicorn.
threads = int(os.environ.get("GUNICORN_THREADS", "20"))
worker_class = "gthread"
timeout = 30
# Idle keep-alive connections are held longer than a balancer's or client's idle pool (nginx's
# upstream keepalive_timeout is 60 s): at gunicorn's 2 s a connection reused just as the server
# closes it is reset, and a patient's message sent on it never arrives (seen once in the fleet
# bench at 32 patients; 1 reset in 40 posts at 1.99 s idle, none at 75 s). Idle connections
# wait in the worker's poller, not on a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
graceful_timeout = 20
accesslog = None  # the app logs each request itself, as JSON with a request id

# Prometheus counters from every worker process, aggregated by /metrics.
_metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "var/prometheus"))


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Load the triage rules and train the learned layer before the first patient's message, not during it."""
    from services.clinical.triage import default_engine

    default_engine().warm_up()
