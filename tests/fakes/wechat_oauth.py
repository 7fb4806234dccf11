"""WeChat's web authorisation (网页授权) played locally: the authorize endpoint a browser
inside WeChat is sent to, and the code-for-token API our server calls.

snsapi_base asks the user nothing, so `GET /connect/oauth2/authorize` checks the app
and the scope and redirects straight back to `redirect_uri?code=…&state=…` with a
fresh one-time code for the user's openid; `GET /sns/oauth2/access_token` checks the
app id and secret and spends the code, answering like WeChat (an `errcode` body, HTTP
200, when it refuses).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes import payment_platforms as fake
from tests.fakes.http_server import Recorded

APP_SECRET = "0123456789abcdef0123456789abcdef"
OAUTH_OPENID = "oUpF8uOAuthBase000000000001"


@dataclass
class WeChatOAuthServer:
    openid: str = OAUTH_OPENID
    app_id: str = fake.WECHAT_APP_ID
    secret: str = APP_SECRET
    codes: dict[str, str] = field(default_factory=dict)  # code -> openid, until spent
    authorized: list[dict[str, str]] = field(default_factory=list)
    exchanged: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        url = urlsplit(request.path)
        query = dict(parse_qsl(url.query))
        if url.path == "/connect/oauth2/authorize":
            return self._authorize(query)
        if url.path == "/sns/oauth2/access_token":
            return self._token(query)
        return 404, b"", {"Content-Type": "text/plain"}

    def _authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        self.authorized.append(query)
        if query.get("appid") != self.app_id or query.get("scope") != "snsapi_base":
            return 200, "<p>参数错误</p>".encode(), {"Content-Type": "text/html;charset=utf-8"}
        if query.get("response_type") != "code" or not query.get("redirect_uri"):
            return 200, "<p>参数错误</p>".encode(), {"Content-Type": "text/html;charset=utf-8"}
        code = secrets.token_hex(16)
        self.codes[code] = self.openid
        back = {"code": code, "state": query.get("state", "")}
        separator = "&" if "?" in query["redirect_uri"] else "?"
        return 302, b"", {"Location": query["redirect_uri"] + separator + urlencode(back)}

    def _token(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        self.exchanged.append(query)
        headers = {"Content-Type": "application/json; encoding=utf-8"}
        if query.get("appid") != self.app_id or query.get("secret") != self.secret:
            return 200, _json({"errcode": 40125, "errmsg": "invalid appsecret"}), headers
        openid = self.codes.pop(query.get("code", ""), None)
        if openid is None or query.get("grant_type") != "authorization_code":
            return 200, _json({"errcode": 40029, "errmsg": "invalid code"}), headers
        answer = {
            "access_token": secrets.token_hex(16),
            "expires_in": 7200,
            "refresh_token": secrets.token_hex(16),
            "openid": openid,
            "scope": "snsapi_base",
        }
        return 200, _json(answer), headers


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


@contextmanager
def oauth_server(server: WeChatOAuthServer) -> Iterator[str]:
    with fake.gateway_server(server) as url:
        yield url


def oauth_settings(url: str) -> dict[str, Any]:
    """Settings overrides that point the pay page's web authorisation at the fake."""
    return {
        "wechat_app_secret": APP_SECRET,
        "wechat_oauth_authorize_url": f"{url}/connect/",
        "wechat_oauth_api_base_url": f"{url}/",
    }
