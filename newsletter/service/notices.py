"""Short transactional e-mails: subscription confirmation, partner link, moderation
notices, test sends and acknowledgements all leave through ``send_raw``.

They are plain text in the reader's language and go through the configured SMTP
relay (or the embedded catcher that ``serve`` points the settings at).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.delivery.dkim import DkimSigner
from newsletter.delivery.smtp import SmtpPool
from newsletter.delivery.transport import RecipientResult
from newsletter.errors import ConfigurationError, DeliveryError, ValidationError
from newsletter.i18n import N_, gettext
from newsletter.service.audience import AudienceService

log = logging.getLogger(__name__)


def build_notice(
    settings: Settings, to: str, subject: str, body: str, lang: str = "fr"
) -> EmailMessage:
    """A plain-text notice to ``to``, from the network as named in ``lang``."""
    message = EmailMessage()
    message["From"] = settings.from_address_in(lang)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = settings.from_address.rsplit("@", 1)[-1].strip(" >") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message.set_content(body)
    return message


async def _send(
    settings: Settings, data: bytes, envelope_sender: str, to: str
) -> list[RecipientResult]:
    if not settings.smtp_host:
        raise ConfigurationError(N_("No SMTP server is configured (SMTP_HOST)."))
    pool = SmtpPool.from_settings(settings.model_copy(update={"smtp_connections": 1}))
    try:
        return await pool.send(data, envelope_sender, [to])
    finally:
        await pool.close()


def _run_send(
    settings: Settings, data: bytes, envelope_sender: str, to: str
) -> list[RecipientResult]:
    """``_send`` to its end, also when called from a thread that runs an event loop (a
    coroutine of ``serve`` or an async caller): there ``asyncio.run`` would refuse and the
    e-mail would be lost, so it runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_send(settings, data, envelope_sender, to))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="notice") as thread:
        return thread.submit(
            lambda: asyncio.run(_send(settings, data, envelope_sender, to))
        ).result()


def sender_address(settings: Settings) -> str:
    return settings.bounce_address or parseaddr(settings.from_address)[1]


class NoticesService:
    def __init__(self, ctx: Context, audience: AudienceService) -> None:
        self.ctx = ctx
        self.audience = audience

    def send(self, to: str, subject: str, body: str, lang: str = "fr") -> None:
        """Send one notice in ``lang`` now; DeliveryError when the server refuses it."""
        message = build_notice(self.ctx.settings, to, subject, body, lang)
        self.send_raw(message.as_bytes(policy=SMTP), to)

    def send_raw(self, data: bytes, to: str, *, envelope_sender: str | None = None) -> None:
        """The one way to send one e-mail now (notices, test sends, acknowledgements):
        finished bytes, DKIM-signed when DKIM is configured (as a newsletter is), to one
        recipient. ``envelope_sender`` "" is the null sender of automatic replies;
        by default the bounce address."""
        if "@" not in to or any(ch in to for ch in "\r\n<>,;"):
            raise ValidationError(N_("Invalid e-mail address: {email}"), email=to)
        settings = self.ctx.settings
        signer = DkimSigner.from_settings(settings)
        if signer is not None:
            data = signer.sign(data)
        sender = sender_address(settings) if envelope_sender is None else envelope_sender
        results = _run_send(settings, data, sender, to)
        if not all(result.ok for result in results):
            log.warning("notice to %s not sent: %s", to, [r.reply for r in results])
            raise DeliveryError(N_("The e-mail to {to} could not be sent."), to=to)

    def partner_link(self, to: list[str], organisation: str, url: str, lang: str = "fr") -> None:
        settings = self.ctx.settings
        body = gettext(
            lang,
            "Hello,\n\nHere is the personal link of {organisation} to propose news for the "
            "newsletter of {network}:\n\n{url}\n\nKeep it within your team: anyone with "
            "this link can submit news in your name. No account is needed.\n",
        ).format(organisation=organisation, network=settings.organisation_name_in(lang), url=url)
        subject = gettext(lang, "Your link to submit news").format()
        for address in to:
            self.send(address, subject, body, lang)
