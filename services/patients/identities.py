"""Chat accounts' platform ids (`channel_identities`), sealed at rest (issue 11).

The id a channel knows a patient by is personal data: for SMS it is the patient's
phone, for WeChat an openid, for Alipay a user id. So it is stored twice and
never in plaintext: as a blind index (`external_hash`), which every lookup and the
unique key use, and sealed (`external_enc`), opened only where the value itself
is needed: to push a notification to WeChat, Alipay or the web page, and to list
the account's conversations for "删除我的数据". The hash is over the value alone
under its own context, so it matches no other column's hash of the same phone.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from models import Account, ChannelIdentity
from services.crypto import FieldCipher

CONTEXT = "channel_identities.external_id"


def external_hash(cipher: FieldCipher, external_id: str) -> str:
    return cipher.blind_index(external_id, CONTEXT)


def is_identity(cipher: FieldCipher, channel: str, external_id: str) -> ColumnElement[bool]:
    """The WHERE clause for "the identity `external_id` on `channel`"."""
    return and_(ChannelIdentity.channel == channel, ChannelIdentity.external_hash == external_hash(cipher, external_id))


def new_identity(cipher: FieldCipher, account: Account, channel: str, external_id: str) -> ChannelIdentity:
    return ChannelIdentity(
        account=account,
        channel=channel,
        external_hash=external_hash(cipher, external_id),
        external_enc=cipher.encrypt(external_id, CONTEXT),
    )


def channel_of_account() -> ColumnElement[str]:
    """The channel as `channel || ''`, for reads that start from a patient's accounts (a
    message's recipient, a free place's app channel): compared bare, SQLite starts from the
    (channel, external_hash) key and reads every WeChat or Alipay identity in the hospital
    before joining the patient's accounts; this way it starts from the patient
    (`ix_account_patients_patient`) and reads only its accounts' identities (issue 14)."""
    return ChannelIdentity.channel.concat("")


def opened(cipher: FieldCipher, token: str) -> str:
    """The platform id itself, for sending to it; never for logs or display."""
    return cipher.decrypt(token, CONTEXT)
