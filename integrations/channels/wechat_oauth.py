"""WeChat web authorisation (网页授权, snsapi_base): the openid of whoever opened a page
inside WeChat, which a JSAPI payment needs when the patient has no WeChat identity with
us yet (the pay link came by SMS or from the web chat, then was opened in WeChat).

The exchange goes through wechatpy's `WeChatOAuth`; its two base URLs are class
attributes, set per instance here so tests (and a proxy) can point it elsewhere.
snsapi_base asks the user nothing: WeChat redirects straight back with a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

DEFAULT_AUTHORIZE_BASE = "https://open.weixin.qq.com/connect/"
DEFAULT_API_BASE = "https://api.weixin.qq.com/"


class OAuthFailed(Exception):
    """WeChat did not give an openid for the code (expired, used, wrong app, network)."""


@dataclass(frozen=True)
class WeChatOAuthConfig:
    app_id: str
    secret: str
    authorize_base_url: str = DEFAULT_AUTHORIZE_BASE
    api_base_url: str = DEFAULT_API_BASE
    timeout: float = 5.0


class _TimedSession(requests.Session):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(*args, **kwargs)


class WeChatWebAuth:
    def __init__(self, config: WeChatOAuthConfig) -> None:
        self._config = config

    def _client(self, redirect_uri: str, state: str = "") -> WeChatOAuth:
        client = WeChatOAuth(self._config.app_id, self._config.secret, redirect_uri, scope="snsapi_base", state=state)
        client.OAUTH_BASE_URL = self._config.authorize_base_url.rstrip("/") + "/"
        client.API_BASE_URL = self._config.api_base_url.rstrip("/") + "/"
        return client

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Where to send the browser: WeChat comes back to `redirect_uri?code=…&state=…`."""
        return str(self._client(redirect_uri, state).authorize_url)

    def openid_for(self, code: str, redirect_uri: str) -> str:
        client = self._client(redirect_uri)
        client._http = _TimedSession(self._config.timeout)  # the SDK's session has no timeout
        try:
            answer = client.fetch_access_token(code)
        except (WeChatOAuthException, requests.RequestException, KeyError, ValueError) as exc:
            raise OAuthFailed(str(exc)) from exc
        openid = str(answer.get("openid") or "")
        if not openid:
            raise OAuthFailed("no openid in WeChat's answer")
        return openid
