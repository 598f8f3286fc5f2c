"""The DMARC policy of a poster's domain, and the From rewrite of a relayed post.

A list that relays Alice's post from her own address breaks the SPF and (once the
subject tag and footer are added) the DKIM alignment of her domain: receivers that
honour her domain's ``p=quarantine`` or ``p=reject`` would bin or bounce every copy.
So when her domain publishes such a policy, the copy says
``From: "Alice via GT Logement" <gt-logement@…>`` and ``Reply-To: Alice``.

Policy discovery follows RFC 7489 §6.6.3: the TXT records at ``_dmarc.<domain>``; when
none is a DMARC record, those at ``_dmarc.<organisational domain>`` (the registered
domain under the public suffix list, from the ``publicsuffixlist`` package, which ships
the list and needs no network), whose ``sp=`` then applies to the subdomain. Exactly one
``v=DMARC1`` record must be found, or there is no policy.

Look-ups go to DMARC_NAMESERVERS (the system's resolvers when empty) with a time limit
of DMARC_TIMEOUT seconds, and their verdict is cached for the answer's TTL (clamped to
``MIN_TTL``..``MAX_TTL``; a negative answer for its SOA minimum). A look-up that fails
(time-out, SERVFAIL, a malformed domain) gives the verdict ``unknown``, cached for
``FAILURE_TTL``: the From is then rewritten all the same, since a rewritten From costs
nothing at the receiver while an unrewritten one to a ``reject`` domain bounces.

Names are hostile: the poster's display name loses control and format characters
(bidirectional overrides, zero-width), ``<>@"\\``, ``,()[]`` (the standard library's
folding mangles them beside non-ASCII text) and runs of white space, is cut at
``NAME_LENGTH`` characters, and is encoded (RFC 2047) by ``email.utils.formataddr``.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import formataddr, getaddresses
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import dns.resolver
    from publicsuffixlist import PublicSuffixList

    from newsletter.config import Settings

#: bounds of the time a verdict is kept, in seconds
MIN_TTL = 60
MAX_TTL = 86_400
#: when the answer has no TTL to go by (negative answer without SOA)
DEFAULT_NEGATIVE_TTL = 3_600
FAILURE_TTL = 60
#: verdicts kept at most (least recently used dropped first)
CACHE_SIZE = 10_000
#: longest display name kept from the poster's From
NAME_LENGTH = 64
_NAME_DROPPED = frozenset('<>@"\\')
#: become spaces: the standard library's header folding mangles them beside non-ASCII text
_NAME_SPACED = frozenset(",()[]")


class Policy(StrEnum):
    none = "none"
    quarantine = "quarantine"
    reject = "reject"


@dataclass(frozen=True)
class DmarcRecord:
    """The tags of one DMARC record that matter to a list."""

    policy: Policy
    subdomain_policy: Policy | None = None
    pct: int = 100


@dataclass(frozen=True)
class Verdict:
    """What the poster's domain asks of receivers.

    ``policy`` is ``none``/``quarantine``/``reject``, ``absent`` (no DMARC record) or
    ``unknown`` (the look-up failed); ``found_at`` is the domain whose record applied.
    """

    domain: str
    policy: str
    found_at: str = ""

    @property
    def rewrite(self) -> bool:
        """Whether relayed copies must not keep the poster's address in From."""
        return self.policy in ("quarantine", "reject", "unknown")


def parse_record(text: str) -> DmarcRecord | None:
    """One TXT record as DMARC (RFC 7489 §6.3), or None when it is not a usable one."""
    parts = [part.strip() for part in text.split(";")]
    if not parts or parts[0].replace(" ", "") != "v=DMARC1":
        return None
    tags: dict[str, str] = {}
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        if sep and name.strip():
            tags.setdefault(name.strip().lower(), value.strip())
    policy = _policy(tags.get("p", ""))
    if policy is None:
        # §6.6.3 step 6: an invalid or missing p= with a valid rua= counts as p=none
        return DmarcRecord(Policy.none) if tags.get("rua") else None
    pct_text = tags.get("pct", "100")
    pct = int(pct_text) if pct_text.isdigit() and int(pct_text) <= 100 else 100
    return DmarcRecord(policy, _policy(tags.get("sp", "")), pct)


def _policy(value: str) -> Policy | None:
    try:
        return Policy(value.lower())
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """The registered domain of ``domain`` (``lists.example.co.uk`` → ``example.co.uk``);
    the domain itself when it is a public suffix or has one label."""
    found = _suffixes().privatesuffix(domain)
    return found if isinstance(found, str) else domain


def normal_domain(domain: str) -> str | None:
    """``domain`` in lower-case ASCII (IDNA) without a final dot, or None when it cannot
    be a host name (empty label, a label over 63 or a name over 253 octets, a space…)."""
    import dns.exception
    import dns.name

    text = domain.strip().rstrip(".").lower()
    if not text or any(ch.isspace() or ch in "\\/@;\"'" for ch in text):
        return None
    try:
        name = dns.name.from_unicode(text, origin=None)
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return None
    ascii_name = name.to_text(omit_final_dot=True)
    if len(name.labels) < 2 or len(ascii_name) > 253:
        return None
    return ascii_name


@dataclass(frozen=True)
class _Records:
    """The DMARC records at one name and how long the answer may be kept."""

    records: list[DmarcRecord]
    ttl: int


class LookupFailed(Exception):
    """The resolver gave no answer that says yes or no."""


class DmarcLookup:
    """Cached DMARC policy discovery; safe to share between threads."""

    def __init__(
        self,
        nameservers: list[str] | None = None,
        timeout: float = 3.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.nameservers = list(nameservers or [])
        self.timeout = timeout
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, Verdict]] = OrderedDict()
        self._lock = threading.Lock()
        self._resolver: dns.resolver.Resolver | None = None
        #: DNS queries sent (for the tests and the log)
        self.queries = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> DmarcLookup:
        return cls(settings.dmarc_nameservers, settings.dmarc_timeout)

    def policy(self, domain: str) -> Verdict:
        """The verdict for mail whose From is in ``domain`` (cached)."""
        name = normal_domain(domain)
        if name is None:
            return Verdict(domain, "unknown")
        now = self._clock()
        with self._lock:
            kept = self._cache.get(name)
            if kept is not None and kept[0] > now:
                self._cache.move_to_end(name)
                return kept[1]
        verdict, ttl = self._discover(name)
        with self._lock:
            self._cache[name] = (now + ttl, verdict)
            self._cache.move_to_end(name)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return verdict

    def _discover(self, domain: str) -> tuple[Verdict, int]:
        try:
            own = self._records(domain)
            if len(own.records) == 1:
                return Verdict(domain, own.records[0].policy.value, domain), own.ttl
            if len(own.records) > 1:  # §6.6.3 step 2: several records, no policy
                return Verdict(domain, "absent"), own.ttl
            organisation = organisational_domain(domain)
            if organisation == domain:
                return Verdict(domain, "absent"), own.ttl
            parent = self._records(organisation)
        except LookupFailed:
            return Verdict(domain, "unknown"), FAILURE_TTL
        ttl = min(own.ttl, parent.ttl)
        if len(parent.records) != 1:
            return Verdict(domain, "absent"), ttl
        record = parent.records[0]
        policy = record.subdomain_policy or record.policy
        return Verdict(domain, policy.value, organisation), ttl

    def _records(self, domain: str) -> _Records:
        import dns.exception
        import dns.resolver

        try:
            resolver = self._get_resolver()  # no resolv.conf: no resolver, a failure
        except (dns.exception.DNSException, OSError, ValueError) as error:
            raise LookupFailed(str(error)) from error
        self.queries += 1
        try:
            answer = resolver.resolve(
                f"_dmarc.{domain}.", "TXT", raise_on_no_answer=False, search=False
            )
        except dns.resolver.NXDOMAIN as error:
            return _Records([], _negative_ttl(error.responses().values()))  # type: ignore[no-untyped-call]
        except (dns.exception.DNSException, OSError) as error:
            raise LookupFailed(str(error)) from error
        if answer.rrset is None:
            return _Records([], _negative_ttl([answer.response]))
        records = [
            record for rdata in answer.rrset if (record := parse_record(_txt(rdata))) is not None
        ]
        return _Records(records, _clamp(answer.rrset.ttl))

    def _get_resolver(self) -> dns.resolver.Resolver:
        if self._resolver is None:
            import dns.nameserver
            import dns.resolver

            resolver = dns.resolver.Resolver(configure=not self.nameservers)
            if self.nameservers:
                resolver.nameservers = [
                    dns.nameserver.Do53Nameserver(*_host_port(text)) for text in self.nameservers
                ]
            resolver.timeout = self.timeout
            resolver.lifetime = self.timeout
            resolver.cache = None
            self._resolver = resolver
        return self._resolver


def _txt(rdata: object) -> str:
    strings: tuple[bytes, ...] = getattr(rdata, "strings", ())
    return b"".join(strings).decode("utf-8", "replace")


def _clamp(ttl: int) -> int:
    return max(MIN_TTL, min(MAX_TTL, ttl))


def _negative_ttl(responses: object) -> int:
    """RFC 2308: the SOA minimum (bounded by the SOA's own TTL) of a negative answer."""
    import dns.rdatatype

    for response in responses:  # type: ignore[attr-defined]
        for rrset in getattr(response, "authority", []):
            if rrset.rdtype == dns.rdatatype.SOA:
                return _clamp(min(rrset.ttl, rrset[0].minimum))
    return DEFAULT_NEGATIVE_TTL


def _host_port(text: str) -> tuple[str, int]:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``[::1]:5353`` or ``::1``."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest.removeprefix(":") or 53)
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port)
    return text, 53


# --- the From rewrite ----------------------------------------------------------------


@dataclass(frozen=True)
class Poster:
    """The single address of a post's From, with its decoded display name."""

    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def poster_of(message: Message) -> Poster | None:
    """The From of ``message`` when it holds exactly one address (else None).

    Read from the raw header (whatever the message's policy: the parsed header of
    ``policy.default`` raises on an encoded CR or LF)."""
    raw = [value for name, value in message.raw_items() if name.lower() == "from"]
    return poster_from_header(str(raw[0])) if len(raw) == 1 else None


def poster_from_header(value: str) -> Poster | None:
    """The single address of a raw ``From`` value (folded, encoded words, raw UTF-8 as
    RFC 6532 allows), or None."""
    # the addresses of the raw text first: a decoded name may hold ",", ":" or "@"
    pairs = getaddresses([_unfolded(value)])
    if len(pairs) != 1:
        return None
    encoded_name, address = pairs[0]
    try:
        name = str(make_header(decode_header(encoded_name)))
    except (UnicodeError, LookupError, ValueError):
        name = encoded_name
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() or ord(ch) < 32 for ch in address):
        return None
    return Poster(_utf8(name), address)


def _utf8(text: str) -> str:
    """Raw UTF-8 bytes (kept as surrogates by the parser) decoded."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _unfolded(text: str) -> str:
    """One line (folds joined), raw UTF-8 decoded."""
    return _utf8(text).replace("\r\n", "").replace("\r", " ").replace("\n", " ")


def clean_name(name: str, limit: int = NAME_LENGTH) -> str:
    """A display name safe to show and to put in a header (see the module's doc)."""
    text = unicodedata.normalize("NFKC", name)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zl", "Zp") or ch in _NAME_SPACED:
            kept.append(" ")
        elif category[0] == "C" or ch in _NAME_DROPPED:
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())[:limit].strip()


def via_name(poster: Poster, list_title: str) -> str:
    """``Alice Dupont via GT Logement`` (the address's local part when there is no name)."""
    name = clean_name(poster.name) or clean_name(poster.address.rpartition("@")[0])
    return f"{name} via {clean_name(list_title, 2 * NAME_LENGTH)}"


@dataclass(frozen=True)
class Rewrite:
    """The header values of a rewritten copy (RFC 2047-encoded, no line breaks)."""

    from_: str
    reply_to: str | None
    cc: str | None


def rewritten_headers(
    message: Message,
    poster: Poster,
    *,
    list_address: str,
    list_title: str,
    reply_to: Literal["poster", "list"] = "poster",
) -> Rewrite:
    """The From (and Reply-To or Cc) of a copy that may not carry the poster's From.

    Replies to the poster: ``Reply-To`` is the poster (or the Reply-To they set).
    Replies to the list: the relay's ``Reply-To`` (the list) stays and the poster goes to
    ``Cc``, so that "reply to all" still reaches them, as Mailman does.
    """
    from_ = formataddr((via_name(poster, list_title), list_address), charset="utf-8")
    own = formataddr((clean_name(poster.name), poster.address), charset="utf-8")
    theirs = [value for name, value in message.raw_items() if name.lower() == "reply-to"]
    return _rewrite(from_, own, theirs[0] if len(theirs) == 1 else None, reply_to)


def _rewrite(from_: str, own: str, theirs: str | None, reply_to: str) -> Rewrite:
    if reply_to == "list":
        return Rewrite(from_, None, own)
    kept = _one_address(theirs) if theirs is not None else None
    return Rewrite(from_, kept or own, None)


def _one_address(value: str) -> str | None:
    found = poster_from_header(value)
    if found is None:
        return None
    return formataddr((clean_name(found.name), found.address), charset="utf-8")


def apply(message: Message, rewrite: Rewrite) -> None:
    """Put ``rewrite`` into ``message`` (replacing From, Reply-To and adding to Cc)."""
    del message["From"]
    message["From"] = rewrite.from_
    if rewrite.reply_to is not None:
        del message["Reply-To"]
        message["Reply-To"] = rewrite.reply_to
    if rewrite.cc is not None:
        existing = message.get("Cc")
        del message["Cc"]
        message["Cc"] = f"{existing}, {rewrite.cc}" if existing else rewrite.cc


def rewrite(
    message: Message,
    lookup: DmarcLookup,
    *,
    list_address: str,
    list_title: str,
    reply_to: Literal["poster", "list"] = "poster",
) -> Verdict | None:
    """Rewrite ``message``'s From in place when the poster's domain asks for it.

    Returns the verdict (``None`` when the From holds no single address: such a post is
    rewritten too, with the list's own name, since nobody's policy can be checked).
    """
    poster = poster_of(message)
    if poster is None:
        own_name = formataddr((clean_name(list_title), list_address), charset="utf-8")
        apply(message, Rewrite(own_name, None, None))
        return None
    verdict = lookup.policy(poster.domain)
    if verdict.rewrite:
        apply(
            message,
            rewritten_headers(
                message, poster, list_address=list_address, list_title=list_title,
                reply_to=reply_to,
            ),
        )  # fmt: skip
    return verdict


# --- the relay's hook ----------------------------------------------------------------


class PreparedHeaders(Protocol):
    """What the relay's prepared post offers a rewrite (``relay.PreparedPost``)."""

    headers: list[tuple[str, str]]
    language: str

    @property
    def segment(self) -> Any: ...

    def get(self, name: str) -> str | None: ...

    def remove(self, name: str) -> None: ...


_LOOKUPS: dict[tuple[tuple[str, ...], float], DmarcLookup] = {}
_LOOKUPS_LOCK = threading.Lock()


def shared_lookup(settings: Settings) -> DmarcLookup:
    """One ``DmarcLookup`` (and so one cache) per process and resolver settings."""
    key = (tuple(settings.dmarc_nameservers), settings.dmarc_timeout)
    with _LOOKUPS_LOCK:
        found = _LOOKUPS.get(key)
        if found is None:
            found = _LOOKUPS[key] = DmarcLookup.from_settings(settings)
        return found


def relay_rewrite(lookup: DmarcLookup) -> Callable[[PreparedHeaders], None]:
    """The relay's ``rewrite`` hook: the From rewrite of each prepared post (once per
    reader language; the list's title in that language after "via")."""

    def hook(prepared: PreparedHeaders) -> None:
        posting = prepared.segment.posting
        title = prepared.segment.title_in(prepared.language)
        value = prepared.get("From")
        poster = poster_from_header(value) if value is not None else None
        if poster is None:
            change = Rewrite(formataddr((clean_name(title), posting.address), charset="utf-8"),
                             None, None)  # fmt: skip
        elif lookup.policy(poster.domain).rewrite:
            from_ = formataddr((via_name(poster, title), posting.address), charset="utf-8")
            own = formataddr((clean_name(poster.name), poster.address), charset="utf-8")
            mode = "list" if str(posting.reply_to.value) == "list" else "poster"
            change = _rewrite(from_, own, prepared.get("Reply-To"), mode)
        else:
            return
        _put(prepared, "From", change.from_)
        if change.reply_to is not None:
            _put(prepared, "Reply-To", change.reply_to)
        if change.cc is not None:
            existing = prepared.get("Cc")
            _put(prepared, "Cc", f"{existing.strip()}, {change.cc}" if existing else change.cc)

    return hook


def _put(prepared: PreparedHeaders, name: str, value: str) -> None:
    """Replace a header with an already encoded one-line value."""
    prepared.remove(name)
    prepared.headers.append((name, " " + value))
