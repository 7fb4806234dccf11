"""WeChat official account, the sending side: customer-service messages (an answer
that missed WeChat's 5-second window) and template messages (reminders), through
wechatpy's `WeChatClient`, whose access token lives in a shared `TokenStore` and
is refreshed by one process at a time (WeChat keeps only the newest token valid).
"""

from __future__ import annotations

import time
import uuid
from abc import ABC, abstractmethod
from typing import Any

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender

MAX_TEXT_CHARS = 600  # a passive or customer-service text stays well under WeChat's 2048 bytes


# -- access token, shared by every process --------------------------------------------------------------
class TokenStore(ABC):
    """Where the access token lives, so every process uses one token (WeChat keeps
    only the newest valid) and one process at a time fetches a new one."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def acquire(self, key: str, owner: str, lease_seconds: int) -> bool:
        """Take the refresh lease for `key` unless another owner holds a live one."""

    @abstractmethod
    def release(self, key: str, owner: str) -> None: ...


class MemoryTokenStore(TokenStore):
    """One process only: for tests and tools."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> str | None:
        value = self._values.get(key)
        return value[0] if value and value[1] > time.time() else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._values[key] = (value, time.time() + ttl_seconds)

    def delete(self, key: str) -> None:
        self._values.pop(key, None)

    def acquire(self, key: str, owner: str, lease_seconds: int) -> bool:
        held = self._locks.get(key)
        if held and held[0] != owner and held[1] > time.time():
            return False
        self._locks[key] = (owner, time.time() + lease_seconds)
        return True

    def release(self, key: str, owner: str) -> None:
        if self._locks.get(key, ("", 0.0))[0] == owner:
            del self._locks[key]


class RedisTokenStore(TokenStore):
    def __init__(self, url: str, prefix: str = "hospital:wechat:") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=3)
        self.prefix = prefix

    def get(self, key: str) -> str | None:
        value = self.redis.get(self.prefix + key)
        return value.decode() if isinstance(value, bytes) else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self.redis.set(self.prefix + key, value, ex=max(ttl_seconds, 1))

    def delete(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def acquire(self, key: str, owner: str, lease_seconds: int) -> bool:
        return bool(self.redis.set(f"{self.prefix}{key}:lock", owner, nx=True, ex=lease_seconds))

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def release(self, key: str, owner: str) -> None:
        self.redis.eval(self._RELEASE, 1, f"{self.prefix}{key}:lock", owner)


class _StoreSession(SessionStorage):
    """wechatpy's session interface over a TokenStore."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    def get(self, key: str, default: Any = None) -> Any:
        value = self.store.get(key)
        return default if value is None else value

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self.store.set(key, str(value), int(ttl or 7200))

    def delete(self, key: str) -> None:
        self.store.delete(key)


class SharedTokenWeChatClient(WeChatClient):
    """wechatpy's client with the token in a shared store, refreshed under a lease,
    and every URL (the token endpoint too) under one base URL that tests can move."""

    EARLY_REFRESH_SECONDS = 300  # store the token for less than WeChat's 7200 s
    LEASE_SECONDS = 15
    WAIT_SECONDS = 10.0

    def __init__(self, app_id: str, secret: str, store: TokenStore, base_url: str, timeout: float = 5.0) -> None:
        super().__init__(app_id, secret, session=_StoreSession(store), timeout=timeout)
        self.store = store
        self.API_BASE_URL = base_url if base_url.endswith("/") else base_url + "/"
        self._owner = uuid.uuid4().hex

    @property
    def access_token(self) -> str:
        token = self.store.get(self.access_token_key)
        return token if token else self._refresh()

    def fetch_access_token(self) -> dict[str, Any]:
        """Called by wechatpy when WeChat says the token is invalid: drop it, refresh once."""
        self.store.delete(self.access_token_key)
        self._refresh()
        return {"access_token": self.store.get(self.access_token_key)}

    def _refresh(self) -> str:
        key = self.access_token_key
        deadline = time.monotonic() + self.WAIT_SECONDS
        while True:
            if self.store.acquire(key, self._owner, self.LEASE_SECONDS):
                try:
                    token = self.store.get(key)  # someone may have refreshed while we waited
                    if token:
                        return token
                    return self._fetch_new_token()
                finally:
                    self.store.release(key, self._owner)
            token = self.store.get(key)
            if token:
                return token
            if time.monotonic() > deadline:
                raise DeliveryFailed("access token refresh is taking too long", retryable=True)
            time.sleep(0.2)

    def _fetch_new_token(self) -> str:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        result = self._http.get(self.API_BASE_URL + "token", params=params, timeout=self.timeout)
        try:
            result.raise_for_status()
            data = result.json()
        except ValueError as exc:
            raise DeliveryFailed(f"token endpoint answered {result.status_code}") from exc
        if not isinstance(data, dict) or not data.get("access_token"):
            raise DeliveryFailed(f"token refused: errcode {data.get('errcode') if isinstance(data, dict) else '?'}")
        ttl = max(int(data.get("expires_in", 7200)) - self.EARLY_REFRESH_SECONDS, 60)
        self.store.set(self.access_token_key, str(data["access_token"]), ttl)
        return str(data["access_token"])


# -- senders -------------------------------------------------------------------------------------------
_PERMANENT_ERRCODES = {40003, 43004, 43019, 40037, 47003}  # bad openid, unsubscribed, blocked, bad template


def _wechat_call(call: Any) -> str:
    try:
        result = call()
    except WeChatClientException as exc:
        code = exc.errcode
        raise DeliveryFailed(f"wechat errcode {code}", retryable=code not in _PERMANENT_ERRCODES) from exc
    except OSError as exc:  # requests' connection errors are OSErrors
        raise DeliveryFailed(f"wechat unreachable: {type(exc).__name__}") from exc
    return str(result.get("msgid", "")) if isinstance(result, dict) else ""


class WeChatCustomerServiceSender(OutboundSender):
    """Free text to a patient who wrote within the last 48 hours (WeChat's rule)."""

    channel = "wechat"

    def __init__(self, client: WeChatClient) -> None:
        self.client = client

    def send(self, message: OutboundMessage) -> str:
        text = message.text[:MAX_TEXT_CHARS]
        return _wechat_call(lambda: self.client.message.send_text(message.recipient, text))


class WeChatTemplateSender(OutboundSender):
    """Template messages (reminders): allowed at any time, with the account's approved template.
    Falls back to a customer-service text when a message has no template fields."""

    channel = "wechat"

    def __init__(self, client: WeChatClient, template_id: str) -> None:
        self.client = client
        self.template_id = template_id
        self.fallback = WeChatCustomerServiceSender(client)

    def send(self, message: OutboundMessage) -> str:
        if not self.template_id or not message.template_fields:
            return self.fallback.send(message)
        data = {name: {"value": value} for name, value in message.template_fields.items()}
        return _wechat_call(lambda: self.client.message.send_template(message.recipient, self.template_id, data))
