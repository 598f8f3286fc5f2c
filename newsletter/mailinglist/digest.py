"""Digests: one message per member and list with every post of a day or a week.

A member who chose a digest for a list (``list_digest_preferences.mode`` ``daily`` or
``weekly``) gets no copy of each post (``relay.recipients`` leaves them out); the
scheduler sends them, after each period, one message with the posts relayed during it.

Periods are in the configured time zone (Europe/Brussels): a day from midnight to
midnight, a week from Monday 00:00 to the next Monday; they go out from
LIST_DIGEST_HOUR o'clock the day after. ``digested_until`` of the
member's preference says up to when their digests are done; a digest covers the posts
relayed from then (or the period's start, for a member new to digests) to the end of
the last complete period, so a server stopped for three days sends, on restart, one
digest with the three days' posts. It is never sent twice for the same period: the
sender first moves ``digested_until`` to the period's end with a compare-and-set
(``UPDATE … WHERE digested_until IS NULL OR digested_until < end``, so of two
schedulers only one wins), then sends; a failed send moves it back, to try again at the
next run. A crash between the two loses that member's digest rather than doubling it.

This module is the pure part: periods, and the text and HTML of a digest in the
reader's language (posts escaped, quoted lines of replies folded into "[…]", each post
linked to its page in the archive). The per-recipient footer (unsubscribe from the list
in one click, preferences) is added by ``digest_message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from markupsafe import escape

from newsletter.i18n import N_, gettext, ngettext
from newsletter.mailinglist.archive import without_quotes
from newsletter.models import DigestMode

#: longest text of one post in a digest (characters; the rest is on the archive page)
MAX_POST_TEXT = 20_000
#: a digest of a member away for long covers this much at most
MAX_CATCH_UP = timedelta(days=31)

FOOTER = N_(
    "You receive the posts of {list} in a digest. To write to everyone: {address}\n"
    "Leave this list (one click): {unsubscribe}\n"
    "Your subscription preferences (digest or every post): {preferences}"
)


def period_end(mode: DigestMode, now: datetime, zone: ZoneInfo) -> datetime:
    """The end of the last complete period at ``now``: today's midnight (daily), or the
    Monday midnight of this week (weekly), in ``zone``."""
    today = now.astimezone(zone).date()
    if mode is DigestMode.weekly:
        today -= timedelta(days=today.weekday())
    return _midnight(today, zone)


def period_start(mode: DigestMode, end: datetime, zone: ZoneInfo) -> datetime:
    """The start of the period that ends at ``end`` (a day or a week before, local)."""
    days = 7 if mode is DigestMode.weekly else 1
    return _midnight(end.astimezone(zone).date() - timedelta(days=days), zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def window(
    mode: DigestMode,
    digested_until: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    hour: int = 0,
) -> tuple[datetime, datetime] | None:
    """The (start, end) of the member's next digest, or None when it is not due yet
    (digests go out from ``hour`` o'clock after their period's end)."""
    end = period_end(mode, now.astimezone(zone) - timedelta(hours=hour), zone)
    if digested_until is not None and digested_until >= end:
        return None
    start = period_start(mode, end, zone) if digested_until is None else digested_until
    return max(start, end - MAX_CATCH_UP), end


@dataclass(frozen=True)
class DigestPost:
    """One post as the digest shows it (all of it from outside: escaped when shown)."""

    subject: str
    name: str
    date: datetime
    text: str
    url: str


@dataclass(frozen=True)
class Digest:
    """A digest in one language, the same for every reader of that language."""

    language: str
    subject: str
    text: str
    html: str
    count: int


def compose(
    *,
    list_title: str,
    tag: str,
    mode: DigestMode,
    start: datetime,
    end: datetime,
    posts: list[DigestPost],
    archive_url: str,
    language: str,
    zone: ZoneInfo,
) -> Digest:
    """The digest of ``posts`` (oldest first) in ``language``."""
    last_day = (end.astimezone(zone) - timedelta(microseconds=1)).date()
    first_day = start.astimezone(zone).date()
    if first_day == last_day:
        when = format_date(last_day, "d MMMM y", locale=language)
    else:
        when = gettext(language, "{first} to {last}").format(
            first=format_date(first_day, "d MMMM", locale=language),
            last=format_date(last_day, "d MMMM y", locale=language),
        )
    kind = (
        gettext(language, "Weekly digest")
        if mode is DigestMode.weekly
        else gettext(language, "Daily digest")
    )
    count = ngettext(language, "{n} message", "{n} messages", len(posts)).format(n=len(posts))
    subject = f"{tag} {kind} · {when} ({count})"
    heading = gettext(language, "{kind} of {list}, {when}").format(
        kind=kind, list=list_title, when=when
    )
    texts = [_post_text(post) for post in posts]
    lines = [heading, "=" * min(len(heading), 72), ""]
    for number, post in enumerate(posts, start=1):
        lines.append(f"{number}. {_one_line(post.subject)} — {_one_line(post.name)}")
    lines.append("")
    for number, (post, text) in enumerate(zip(posts, texts, strict=True), start=1):
        stamp = _stamp(post.date, language, zone)
        lines += [
            "-" * 72,
            f"{number}. {_one_line(post.subject)}",
            f"{_one_line(post.name)} · {stamp}",
            "",
            text,
            "",
            gettext(language, "In the archive: {url}").format(url=post.url),
            "",
        ]
    lines += ["-" * 72, gettext(language, "The whole archive: {url}").format(url=archive_url)]
    html = _html(heading, posts, texts, archive_url, language, zone)
    return Digest(language, subject, "\n".join(lines) + "\n", html, len(posts))


def _post_text(post: DigestPost) -> str:
    text = without_quotes(post.text)
    if len(text) > MAX_POST_TEXT:
        text = text[:MAX_POST_TEXT] + " […]"
    return text


def _one_line(value: str) -> str:
    return " ".join("".join(ch for ch in value if ch.isprintable()).split())[:300]


def _stamp(when: datetime, language: str, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    return (
        f"{format_date(local, 'EEEE d MMMM', locale=language)}, "
        f"{format_time(local, 'HH:mm', locale=language)}"
    )


_STYLE = {
    "body": "margin:0;padding:0;background:#ffffff;color:#1f2328;",
    "wrap": "max-width:640px;margin:0 auto;padding:16px;font-family:Arial,Helvetica,sans-serif;"
    "font-size:16px;line-height:1.5;",
    "h1": "font-size:20px;margin:0 0 12px;",
    "h2": "font-size:17px;margin:24px 0 4px;",
    "meta": "color:#57606a;font-size:14px;margin:0 0 8px;",
    "text": "white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 8px;",
    "link": "color:#0a58ca;",
    "foot": "border-top:1px solid #d0d7de;margin-top:24px;padding-top:12px;color:#57606a;"
    "font-size:14px;white-space:pre-wrap;overflow-wrap:anywhere;",
}


def _html(
    heading: str,
    posts: list[DigestPost],
    texts: list[str],
    archive_url: str,
    language: str,
    zone: ZoneInfo,
) -> str:
    s = _STYLE
    out = [
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(heading)}</title></head>"
        f'<body style="{s["body"]}"><div style="{s["wrap"]}">'
        f'<h1 style="{s["h1"]}">{escape(heading)}</h1><ol>'
    ]
    for number, post in enumerate(posts, start=1):
        out.append(
            f'<li><a style="{s["link"]}" href="#post-{number}">{escape(_one_line(post.subject))}'
            f"</a> — {escape(_one_line(post.name))}</li>"
        )
    out.append("</ol>")
    for number, (post, text) in enumerate(zip(posts, texts, strict=True), start=1):
        archive_link = gettext(language, "Read it in the archive")
        out.append(
            f'<h2 id="post-{number}" style="{s["h2"]}">{number}. {escape(_one_line(post.subject))}'
            f'</h2><p style="{s["meta"]}">{escape(_one_line(post.name))} · '
            f"{escape(_stamp(post.date, language, zone))}</p>"
            f'<div style="{s["text"]}">{escape(text)}</div>'
            f'<p><a style="{s["link"]}" href="{escape(post.url)}">{escape(archive_link)}</a></p>'
        )
    whole = gettext(language, "The whole archive")
    out.append(f'<p><a style="{s["link"]}" href="{escape(archive_url)}">{escape(whole)}</a></p>')
    out.append(FOOTER_MARK)
    out.append("</div></body></html>")
    return "".join(out)


#: where each recipient's footer goes in the HTML
FOOTER_MARK = "<!--footer-->"


@dataclass(frozen=True)
class Reader:
    """One recipient of a digest, with their own links."""

    email: str
    name: str
    unsubscribe_url: str
    preferences_url: str


def footer(language: str, list_title: str, address: str, reader: Reader) -> str:
    return gettext(language, FOOTER).format(
        list=list_title, address=address, unsubscribe=reader.unsubscribe_url,
        preferences=reader.preferences_url,
    )  # fmt: skip


def _html_footer(text: str, reader: Reader) -> str:
    """The footer, escaped, with its two URLs made links (they are ours: signed tokens,
    escaped all the same)."""
    shown = str(escape(text))
    for url in (reader.unsubscribe_url, reader.preferences_url):
        quoted = str(escape(url))
        shown = shown.replace(quoted, f'<a style="{_STYLE["link"]}" href="{quoted}">{quoted}</a>')
    return f'<div style="{_STYLE["foot"]}">{shown}</div>'


def digest_message(
    digest: Digest,
    reader: Reader,
    *,
    list_title: str,
    list_address: str,
    list_id_header: str,
    archive_url: str,
    message_domain: str,
    now: datetime,
) -> EmailMessage:
    """The digest for one reader: text and HTML, their footer, List-* headers."""
    message = EmailMessage()
    message["From"] = formataddr((_one_line(list_title), list_address), charset="utf-8")
    message["To"] = formataddr((_one_line(reader.name), reader.email), charset="utf-8")
    message["Subject"] = digest.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("digest", domain=message_domain)
    message["Reply-To"] = list_address
    message["List-Id"] = list_id_header
    message["List-Post"] = f"<mailto:{list_address}>"
    message["List-Archive"] = f"<{archive_url}>"
    message["List-Unsubscribe"] = f"<{reader.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "list"
    message["X-Loop"] = list_address
    message["Auto-Submitted"] = "auto-generated"
    text_footer = footer(digest.language, list_title, list_address, reader)
    message.set_content(f"{digest.text}\n-- \n{text_footer}\n", cte="quoted-printable")
    html_footer = _html_footer(text_footer, reader)
    message.add_alternative(
        digest.html.replace(FOOTER_MARK, str(html_footer), 1), subtype="html",
        cte="quoted-printable",
    )  # fmt: skip
    return message
