"""The action server, as rasa-sdk's `rasa run actions` builds it, with one addition:
every call but the health probe must carry the shared secret Rasa sends
(`X-Action-Token`, bot/endpoints.yml), compared in constant time. rasa-sdk 3.6 has
no token option of its own, and the action server reaches the hospital's service
API with the hospital's token, so nobody else may make it run an action.

Runs in .venv-rasa (Python 3.10):
    ACTION_SERVER_TOKEN=... python scripts/action_server.py --port 5055
Workers: ACTION_SERVER_SANIC_WORKERS (rasa-sdk's own setting) processes, each running up
to ACTION_SERVER_THREADS (16) actions at once; bind: SANIC_HOST.

The actions reach the hospital with blocking `requests` calls inside `async def run`.
On Sanic's event loop one slow call (the hospital's API taking seconds) would stall every
conversation this process serves, and its health probe. So each action runs in a worker
thread on an event loop of its own (`OffLoopActionExecutor`): a slow call holds up only
its own conversation's turn, and the actions stay plain code that is easy to test.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk import endpoint, utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})
log = logging.getLogger("action_server")


def require_token(app: Sanic, token: str) -> None:
    """Refuse every request without the shared secret (401), except the health probe."""

    @app.on_request
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(HEADER, "")
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        return response.json({"error": "missing or wrong action server token"}, status=401)


class OffLoopActionExecutor(ActionExecutor):
    """rasa-sdk's executor, with each action run in a thread off the server's event loop."""

    _pool: ThreadPoolExecutor | None = None
    _pool_pid = 0

    @classmethod
    def pool(cls) -> ThreadPoolExecutor:
        # One per process: Sanic forks its workers, and a pool's threads do not survive a fork.
        if cls._pool is None or cls._pool_pid != os.getpid():
            threads = int(os.environ.get("ACTION_SERVER_THREADS", "16"))
            cls._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="action")
            cls._pool_pid = os.getpid()
        return cls._pool

    async def run(self, action_call: dict[str, Any]) -> dict[str, Any] | None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool(), lambda: asyncio.run(ActionExecutor.run(self, action_call)))


def build_app(token: str) -> Sanic:
    endpoint.ActionExecutor = OffLoopActionExecutor  # create_app builds its executor by this name
    app = create_app("actions", cors_origins=[])
    if token:
        require_token(app, token)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    production = os.environ.get("APP_ENV") == "production"
    if not token:
        if production:
            raise SystemExit("ACTION_SERVER_TOKEN must be set in production")
        log.warning("ACTION_SERVER_TOKEN is empty: the action server accepts anyone (development only)")
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    build_app(token).run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
