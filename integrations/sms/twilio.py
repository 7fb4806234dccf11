"""Twilio Programmable Messaging for international numbers.

`base_url` moves the API (tests point it at a local server speaking Twilio's
REST protocol: the SDK's own domain base URL, nothing faked inside the SDK)."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from integrations.messaging import DeliveryFailed, OutboundMessage
from integrations.sms.base import SmsProvider, normalise_number

# Twilio error codes that no retry can fix: invalid/unreachable/opted-out numbers.
PERMANENT_CODES = {21211, 21214, 21408, 21610, 21612, 21614}


class TwilioSmsProvider(SmsProvider):
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client.api.base_url = base_url.rstrip("/")
        self.from_number = from_number

    def send(self, message: OutboundMessage) -> str:
        try:
            sent = self.client.messages.create(
                to=normalise_number(message.recipient), from_=self.from_number, body=message.text
            )
        except TwilioRestException as exc:
            raise DeliveryFailed(f"twilio error {exc.code}", retryable=exc.code not in PERMANENT_CODES) from exc
        except (TwilioException, OSError) as exc:
            raise DeliveryFailed(f"twilio unreachable: {type(exc).__name__}") from exc
        return str(sent.sid)
