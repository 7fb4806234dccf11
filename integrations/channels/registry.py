"""Which platform channels exist, and which are switched on by the settings.

`CHANNELS` names every implementation (the web edge registers one route per name,
so a URL exists whether or not the platform is configured); `build_channels`
builds the ones whose inbound settings are present. An unconfigured channel's
route answers 404. Settings come from `config.Settings`, never the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from integrations.channels.alipay import AlipayChannel
from integrations.channels.base import Channel
from integrations.channels.sms import SmsChannel
from integrations.channels.wechat import WeChatChannel

if TYPE_CHECKING:
    from config import Settings

CHANNELS: Mapping[str, type[Channel]] = {cls.name: cls for cls in (WeChatChannel, AlipayChannel, SmsChannel)}


def _wechat(settings: Settings) -> Channel | None:
    if not settings.wechat_token:
        return None
    return WeChatChannel(
        settings.wechat_token,
        settings.wechat_encoding_aes_key,
        settings.wechat_app_id,
        settings.channel_timestamp_window_seconds,
    )


def _alipay(settings: Settings) -> Channel | None:
    if not (settings.alipay_app_private_key and settings.alipay_public_key):
        return None
    return AlipayChannel(
        settings.alipay_app_id,
        settings.alipay_app_private_key,
        settings.alipay_public_key,
        settings.channel_timestamp_window_seconds,
    )


def _sms(settings: Settings) -> Channel | None:
    return SmsChannel(settings.twilio_auth_token) if settings.twilio_auth_token else None


BUILDERS: Mapping[str, Callable[[Settings], Channel | None]] = {"wechat": _wechat, "alipay": _alipay, "sms": _sms}


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by name."""
    built = {name: build(settings) for name, build in BUILDERS.items()}
    return {name: channel for name, channel in built.items() if channel is not None}
