"""Rasa's calls to the action server, without two costs Rasa 3.6 pays on every call
(issue 14, docs/benchmarks.md "chat, 2026-12-07").

A form turn is two or three action calls (`validate_<form>`, an `action_ask_*`, the
journey's action), and for each Rasa 3.6

- checks the action server's reply with `jsonschema.validate()`, which checks the
  (constant) schema itself against its metaschema and builds a new validator every
  time: about 2.5 ms of CPU per reply, of which 2.1 are the schema's own check. Here
  the validator is built, and its schema checked, once per process; each reply is
  checked by the same validator class against the same schema, and the same error
  (`best_match`, with Rasa's own advice appended) is raised for a bad one.
- opens a new `aiohttp.ClientSession`, so a new TCP connection, per call
  (`EndpointConfig.request`), and the action server accepts one per call too. Here an
  endpoint keeps one session per event loop, with the same headers, authentication
  and timeout, and reuses its connections. The pool closes a connection idle for
  `KEEPALIVE_SECONDS`, well before the action server does (Sanic: 5 s), so a request
  never goes out on a connection the server is closing.

`install()` swaps these two methods in Rasa's classes; the REST channel
(bot/whole_turn_channel.py) calls it when Rasa loads it, so it runs in every Rasa
server the app talks to. Everything else about the call (URL, parameters, body,
compression, TLS, errors) is Rasa's own code path.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any, cast

import aiohttp
from aiohttp import ContentTypeError
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

KEEPALIVE_SECONDS = 2.0  # below the action server's keep-alive (Sanic's default 5 s)
_SESSIONS = "_issue14_sessions"

_validator: Any = None
_installed = False
# Rasa's own methods, as they were before install() (the tests compare against them).
RASA_VALIDATE = RemoteAction._validate_action_result
RASA_REQUEST = EndpointConfig.request


def response_validator() -> Any:
    """The jsonschema validator of Rasa's action reply schema, built (and its schema
    checked) once, as `jsonschema.validate` would build it on every call."""
    global _validator
    if _validator is None:
        from jsonschema.validators import validator_for

        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with a validator built once: the same
    verdict, the same `ValidationError` with the same message."""
    from jsonschema.exceptions import best_match

    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def shared_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The endpoint's session on the running event loop, opened on first use: the
    configuration `EndpointConfig.session()` gives, with a pool of kept-alive
    connections. A session belongs to one loop, so another loop gets its own."""
    loop = asyncio.get_running_loop()
    sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = endpoint.__dict__.setdefault(_SESSIONS, {})
    session = sessions.get(loop)
    if session is None or session.closed:
        for other in [other for other in sessions if other.is_closed()]:
            del sessions[other]
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        sessions[loop] = session
    return session


async def request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """`EndpointConfig.request` (Rasa 3.6) on the endpoint's shared session instead of
    a session opened and closed for the one call."""
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs["headers"])
        del kwargs["headers"]
    if self.headers:
        headers.update(self.headers)
    url = concat_url(self.url, subpath)
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from e
    async with shared_session(self).request(
        method,
        url,
        headers=headers,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=cast(Any, sslcontext),  # None: aiohttp's default checks, as in Rasa's call
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


def install() -> None:
    """Swap the two methods into Rasa's classes (once per process)."""
    global _installed
    if _installed:
        return
    setattr(RemoteAction, "_validate_action_result", validate_action_result)  # noqa: B010
    setattr(EndpointConfig, "request", request)  # noqa: B010
    _installed = True
