"""SMS in through Twilio's webhook, answered with TwiML.

Twilio signs the URL it called (our PUBLIC_BASE_URL + path, not whatever a proxy
in front of us rewrote it to) plus the sorted form fields, with HMAC-SHA1 under
the auth token; twilio's `RequestValidator` checks it in constant time. Twilio
sends no timestamp, so a replayed capture is caught by its `MessageSid` instead.

Buttons become numbered choices ("回复1 确认"); long answers are split at line
and sentence ends into several messages. What STOP/退订, START and "1"/"2" after
a reminder mean is decided by the services (services/notifications/sms_replies.py),
not here: to this channel they are text like any other.
"""

from __future__ import annotations

import re
from typing import ClassVar

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from integrations.channels.base import (
    Channel,
    ChannelMessage,
    ChannelRequest,
    HttpReply,
    MalformedRequest,
    ReplyMode,
    SignatureInvalid,
    xml_reply,
)
from integrations.channels.base import keyword as keyword
from integrations.rasa.client import BotMessage

PART_CHARS = 300  # Twilio concatenates up to 1600; a screenful reads better
MAX_BODY_CHARS = 1600
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def split_text(text: str, limit: int = PART_CHARS) -> list[str]:
    """Split at line ends, then sentence ends; cut hard only inside one overlong sentence.
    Pieces of one line are rejoined without a break, separate lines with one."""
    pieces: list[tuple[str, bool]] = []  # (text, starts a new line)
    for line in text.splitlines():
        line = line.strip()
        if len(line) <= limit:
            pieces.append((line, True))
            continue
        first = True
        for sentence in (s for s in _SENTENCE_END.split(line) if s):
            for i in range(0, len(sentence), limit):
                pieces.append((sentence[i : i + limit], first))
                first = False
    parts: list[str] = []
    current = ""
    for piece, new_line in pieces:
        candidate = (f"{current}\n{piece}" if new_line else current + piece) if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current.strip())
        current = piece
    if current.strip():
        parts.append(current.strip())
    return parts


class SmsChannel(Channel):
    """Twilio waits for TwiML: the answer is the response itself."""

    name: ClassVar[str] = "sms"
    reply_mode: ClassVar[ReplyMode] = ReplyMode.INLINE
    push_chars: ClassVar[int] = MAX_BODY_CHARS
    reads_form: ClassVar[bool] = True

    def __init__(self, auth_token: str) -> None:
        if not auth_token:
            raise ValueError("TWILIO_AUTH_TOKEN is required")
        self.validator = RequestValidator(auth_token)

    def verify(self, request: ChannelRequest) -> None:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            raise SignatureInvalid("unsigned")
        if not self.validator.validate(request.url, dict(request.form), signature):
            raise SignatureInvalid("signature mismatch")

    def parse(self, request: ChannelRequest) -> ChannelMessage:
        sender, sid = request.form.get("From", "").strip(), request.form.get("MessageSid", "").strip()
        body = request.form.get("Body", "")
        if not sender or not sid or not re.fullmatch(r"\+?[0-9]{5,20}", sender):
            raise MalformedRequest("missing From or MessageSid")
        if len(body) > MAX_BODY_CHARS:
            raise MalformedRequest("body too long")
        kind = "text" if body.strip() else "unsupported"  # a picture with no words (MMS)
        return ChannelMessage(sender, kind, f"sid:{sid}", body.strip())

    def render(self, message: ChannelMessage, replies: list[BotMessage]) -> HttpReply:
        return xml_reply(twiml(split_text(self.text_of(replies))))

    def acknowledge(self, message: ChannelMessage) -> HttpReply:
        """An empty `<Response/>`: Twilio sends nothing back."""
        return xml_reply(twiml([]))


def twiml(parts: list[str]) -> str:
    response = MessagingResponse()
    for part in parts:
        response.message(part)
    return str(response)
