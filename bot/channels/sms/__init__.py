"""SMS to citizens who gave only a phone: the outbox's rows for Chat("sms", phone in
national form, e.g. "0912345678") go through a brandname gateway (eSMS.vn's HTTP API),
rendered as plain text (bot.channels.sms.render) within the segments allowed; the
gateway's delivery reports come back to `GET /webhook/sms/{secret}` and are recorded on
the message."""

from bot.channels.sms.capabilities import CAPABILITIES, CHANNEL
from bot.channels.sms.channel import SmsChannel
from bot.channels.sms.esms import EsmsClient

__all__ = ["CAPABILITIES", "CHANNEL", "EsmsClient", "SmsChannel"]
