"""Optional DKIM signing (dkimpy) of each finished message.

Signing happens per recipient (each message differs), so it costs CPU: about 12 ms
per message with a 2048-bit RSA key (``bench/dkim_sign.py``: 11.0 ms median for a 4 KB
message, 11.7–12.5 ms for 57 KB, at load 10 on 2 cores), nearly all of it the RSA step,
which dkimpy computes in Python. A spliced issue message stays in pieces when
signed (``sign_spliced``): the signature is one more piece in front, so the transport
writes the variant's pieces dot-stuffed once, as for an unsigned message, and never
scans the whole message again (``delivery.smtp.wire_body``).
"""

from __future__ import annotations

from pathlib import Path

from newsletter.config import Settings
from newsletter.errors import ConfigurationError
from newsletter.i18n import N_
from newsletter.render.contract import Spliced

SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]


class DkimSigner:
    def __init__(self, domain: str, selector: str, private_key: bytes) -> None:
        self.domain = domain.encode("ascii")
        self.selector = selector.encode("ascii")
        self.private_key = private_key

    @classmethod
    def from_settings(cls, settings: Settings) -> DkimSigner | None:
        """A signer when DKIM_DOMAIN is set, else None."""
        if not settings.dkim_domain:
            return None
        if not settings.dkim_selector or settings.dkim_key_file is None:
            raise ConfigurationError(
                N_("DKIM signing needs DKIM_SELECTOR and DKIM_KEY_FILE as well.")
            )
        path = Path(settings.dkim_key_file)
        if not path.is_file():
            raise ConfigurationError(N_("DKIM key file not found: {path}"), path=str(path))
        return cls(settings.dkim_domain, settings.dkim_selector, path.read_bytes())

    def sign(self, message: bytes) -> bytes:
        """``message`` with a DKIM-Signature header in front."""
        return self.signature(message) + message

    def sign_spliced(self, message: Spliced) -> Spliced:
        """The spliced ``message`` with its DKIM-Signature header as a first piece of its
        own: the same bytes as ``sign(bytes(message))``, and the same wire form."""
        signature = self.signature(bytes(message))
        own = message.own
        return Spliced(
            [signature, *message.pieces],
            (b"", *message.stuffed),
            (0, *[index + 1 for index in own]),
        )

    def signature(self, message: bytes) -> bytes:
        """The DKIM-Signature header (CRLF lines) of ``message``."""
        import dkim  # dkimpy and dnspython load only when signing is configured

        signature: bytes = dkim.sign(
            message,
            self.selector,
            self.domain,
            self.private_key,
            include_headers=SIGNED_HEADERS,
            linesep=b"\r\n",
        )
        return signature
