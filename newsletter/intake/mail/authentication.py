"""How the sender of an e-mail was authenticated: SPF, DKIM, DMARC.

``From:`` alone proves nothing: anyone can write a partner's address. Two sources say
more:

1. the ``Authentication-Results`` header (RFC 8601) that *our* receiving server adds,
   recognised by its authserv-id (the setting ``INTAKE_AUTHSERV_ID``). Headers with any
   other id are the sender's own words and are ignored — a forger can write
   ``dmarc=pass`` too;
2. otherwise, when ``INTAKE_DKIM_VERIFY`` is on, a DKIM check of the message here
   (dkimpy; one DNS look-up of the signer's key).

The sender counts as verified when DMARC passed, or when DKIM or SPF passed for a domain
aligned with the ``From:`` address's (the same domain or a parent of it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any

from newsletter.i18n import N_, Msg
from newsletter.intake.mail.headers import raw_values, sender

log = logging.getLogger(__name__)

#: how a result was obtained
FROM_HEADER = "header"
FROM_DKIM_CHECK = "dkim-check"

_COMMENT = re.compile(r"\([^()]*\)")
_PAIR = re.compile(r"([A-Za-z][\w.-]*)\s*=\s*(\"[^\"]*\"|[^\s;]+)")
_RESULT = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class SenderAuth:
    #: FROM_HEADER, FROM_DKIM_CHECK or "" (no information)
    method: str = ""
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""
    #: the domain that DKIM (or SPF) vouched for, when it passed
    domain: str = ""
    verified: bool = False

    def describe(self) -> Msg:
        """What the coordinator reads about it."""
        if self.method == FROM_HEADER:
            return Msg(
                N_(
                    "Sender authentication (receiving server): "
                    "SPF {spf}, DKIM {dkim}, DMARC {dmarc}"
                ),
                {
                    "spf": self.spf or "none",
                    "dkim": f"{self.dkim} ({self.domain})" if self.domain else self.dkim or "none",
                    "dmarc": self.dmarc or "none",
                },
            )
        if self.method == FROM_DKIM_CHECK:
            if self.dkim == "pass":
                return Msg(
                    N_("Sender authentication (DKIM signature checked here): valid for {domain}"),
                    {"domain": self.domain},
                )
            return Msg(
                N_("Sender authentication (DKIM signature checked here): {result}"),
                {"result": self.dkim or "none"},
            )
        return Msg(N_("Sender authentication: no information (no trusted header, no signature)"))


def _aligned(domain: str, from_domain: str) -> bool:
    domain, from_domain = domain.lower().strip("."), from_domain.lower().strip(".")
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _domain_of(value: str) -> str:
    return value.strip('"').rpartition("@")[2].lower()


def from_header(message: Message, authserv_id: str) -> SenderAuth | None:
    """The results our own server wrote (``None`` without a trusted header)."""
    wanted = authserv_id.strip().lower()
    if not wanted:
        return None
    from_domain = _domain_of(sender(message)[1])
    results: dict[str, tuple[str, dict[str, str]]] = {}
    for value in raw_values(message, "Authentication-Results"):
        text = _COMMENT.sub(" ", value.replace("\r", " ").replace("\n", " "))
        head, _, rest = text.partition(";")
        if not head.split() or head.split()[0].lower() != wanted:
            continue
        for resinfo in rest.split(";"):
            pairs = [(k.lower(), v.strip('"')) for k, v in _PAIR.findall(resinfo)]
            if not pairs:
                continue
            method, result = pairs[0]
            if method in ("spf", "dkim", "dmarc") and _RESULT.match(result.lower()):
                properties = dict(pairs[1:])
                previous = results.get(method)
                # several DKIM signatures: a passing one wins
                if previous is None or (result.lower() == "pass" and previous[0] != "pass"):
                    results[method] = (result.lower(), properties)
    if not results:
        return None
    spf, spf_props = results.get("spf", ("", {}))
    dkim, dkim_props = results.get("dkim", ("", {}))
    dmarc, _dmarc_props = results.get("dmarc", ("", {}))
    dkim_domain = dkim_props.get("header.d") or _domain_of(dkim_props.get("header.i", ""))
    spf_domain = _domain_of(spf_props.get("smtp.mailfrom", "")) or spf_props.get("smtp.helo", "")
    dkim_ok = dkim == "pass" and _aligned(dkim_domain, from_domain)
    spf_ok = spf == "pass" and _aligned(spf_domain, from_domain)
    verified = dmarc == "pass" or dkim_ok or spf_ok
    domain = dkim_domain if dkim == "pass" else (spf_domain if spf == "pass" else "")
    return SenderAuth(FROM_HEADER, spf, dkim, dmarc, domain, verified)


DnsFunc = Callable[..., Any]


def check_dkim(data: bytes, message: Message, *, dnsfunc: DnsFunc | None = None) -> SenderAuth:
    """Verify the message's DKIM signatures here (dkimpy); ``dnsfunc`` looks up the key
    (dkimpy's own DNS look-up by default)."""
    import dkim

    count = len(raw_values(message, "DKIM-Signature"))
    if not count:
        return SenderAuth(FROM_DKIM_CHECK, dkim="none")
    from_domain = _domain_of(sender(message)[1])
    result = "fail"
    for index in range(min(count, 5)):
        checker = dkim.DKIM(data, timeout=5)
        try:
            ok = (
                checker.verify(idx=index, dnsfunc=dnsfunc) if dnsfunc else checker.verify(idx=index)
            )
        except Exception:  # a broken signature or an unreachable DNS: not verified
            log.debug("DKIM check failed", exc_info=True)
            ok = False
        if ok:
            domain = (checker.domain or b"").decode("ascii", "replace").lower()
            return SenderAuth(
                FROM_DKIM_CHECK, dkim="pass", domain=domain, verified=_aligned(domain, from_domain)
            )
    return SenderAuth(FROM_DKIM_CHECK, dkim=result)


def authenticate(
    data: bytes,
    message: Message,
    *,
    authserv_id: str,
    dkim_verify: bool,
    dnsfunc: DnsFunc | None = None,
) -> SenderAuth:
    """How the sender was authenticated (see the module docstring)."""
    found = from_header(message, authserv_id)
    if found is not None:
        return found
    if dkim_verify:
        return check_dkim(data, message, dnsfunc=dnsfunc)
    return SenderAuth()
