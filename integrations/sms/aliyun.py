"""Aliyun SMS (dysmsapi 2017-05-25) for mainland numbers: one-way, template-based.

Mainland carriers only pass pre-approved templates, so a message goes out as the
configured template with its fields (`template_fields`, e.g. `{"code": "123456"}`);
a message without fields fills the template's `${content}` variable."""

from __future__ import annotations

import json

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models as open_api_models
from darabonba.exceptions import RetryError
from Tea.exceptions import TeaException

from integrations.messaging import DeliveryFailed, OutboundMessage
from integrations.sms.base import SmsProvider, normalise_number

# Codes no retry can fix (bad number, blacklisted, template or signature not approved).
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
}


class AliyunSmsProvider(SmsProvider):
    name = "aliyun"

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = "dysmsapi.aliyuncs.com",
        protocol: str = "https",
    ) -> None:
        if "://" in endpoint:  # "http://127.0.0.1:8000" (a test's local server) carries its own protocol
            protocol, endpoint = endpoint.split("://", 1)
        config = open_api_models.Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            endpoint=endpoint,
            protocol=protocol,
            read_timeout=10000,
            connect_timeout=5000,
        )
        self.client = Client(config)
        self.sign_name = sign_name
        self.template_code = template_code

    def send(self, message: OutboundMessage) -> str:
        number = normalise_number(message.recipient).removeprefix("+86")
        fields = message.template_fields or {"content": message.text}
        request = sms_models.SendSmsRequest(
            phone_numbers=number,
            sign_name=self.sign_name,
            template_code=self.template_code,
            template_param=json.dumps(fields, ensure_ascii=False, separators=(",", ":")),
        )
        try:
            response = self.client.send_sms(request)
        except TeaException as exc:  # an error answer from the API, with its code
            error_code = str(getattr(exc, "code", "") or "")
            raise DeliveryFailed(f"aliyun error {error_code}", retryable=error_code not in PERMANENT_CODES) from exc
        except (RetryError, OSError) as exc:
            raise DeliveryFailed(f"aliyun unreachable: {type(exc).__name__}") from exc
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code != "OK":
            raise DeliveryFailed(f"aliyun refused: {code}", retryable=code not in PERMANENT_CODES)
        return str(body.biz_id)
