"""Commands of the editorial stages: news queue, assemblies (AG), issue draft and preview."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from newsletter.cli import assembly_options as opt
from newsletter.cli.common import (
    _,
    assembly_app,
    console,
    issue_app,
    news_app,
    print_json,
    service,
    shown,
)
from newsletter.config import load_settings
from newsletter.i18n import LANGUAGES
from newsletter.models import FileUpload, Membership, NewsStatus
from newsletter.service.search import NewsFilter
from newsletter.text import guess_format

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def parse_when(value: str) -> datetime:
    """ISO date-time; without an offset it is read in the configured time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            _("Not an ISO date-time: {value}").format(value=shown(value))
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(load_settings().timezone))
    return moment


def read_upload(path: Path) -> FileUpload:
    if not path.is_file():
        raise typer.BadParameter(_("No such file: {path}").format(path=shown(path)))
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.name, kind, path.read_bytes()


def read_text(path: Path) -> str:
    if not path.is_file():
        raise typer.BadParameter(_("No such file: {path}").format(path=shown(path)))
    return path.read_text(encoding="utf-8")


# --- news ------------------------------------------------------------------------------


@news_app.command("submit")
def news_submit(
    title: Annotated[str, typer.Option("--title", help="Title of the news item.")],
    body: Annotated[Path, typer.Option("--body", help="Body file: .md, .html or .txt.")],
    org: Annotated[str, typer.Option("--org", help="Organisation (name in the directory).")] = "",
    category: Annotated[str | None, typer.Option(help="Category (section).")] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="Attachment (repeatable).")] = None,
    image: Annotated[Path | None, typer.Option(help="Illustration (PNG, JPEG, GIF).")] = None,
    image_alt: Annotated[str, typer.Option(help="Text alternative of the image.")] = "",
    sender: Annotated[str, typer.Option(help="E-mail address of the sender.")] = "",
    language: Annotated[str, typer.Option("--lang", help="Language of the text: fr or nl.")] = "fr",
    link: Annotated[str, typer.Option(help="Link for more information.")] = "",
    event_start: Annotated[str | None, typer.Option("--event", help="Event date (ISO).")] = None,
    event_end: Annotated[str | None, typer.Option(help="Event end (ISO).")] = None,
    place: Annotated[str, typer.Option(help="Place of the event.")] = "",
    link_text: Annotated[str, typer.Option(help="Words of the link (default: Read more).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Put a news item into the moderation queue (in its original language, --lang)."""
    with service() as svc:
        item = svc.editorial.submit_news(
            title=title,
            body=read_text(body),
            body_format=guess_format(body.name),
            organisation=org,
            sender=sender,
            category=category,
            language=language,
            attachments=[read_upload(path) for path in attach or []],
            image=read_upload(image) if image else None,
            image_alt=image_alt,
            link=link,
            event_start=parse_when(event_start) if event_start else None,
            event_end=parse_when(event_end) if event_end else None,
            event_place=place,
            link_text=link_text,
        )
    if as_json:
        print_json(item)
        return
    console.print(_("News item {id} submitted: {status}.").format(id=item.id, status=item.status))
    if item.note:
        console.print(shown(item.note, lines=True))


@news_app.command("translate")
def news_translate(
    news_id: Annotated[int, typer.Argument(metavar="ID")],
    language: Annotated[str, typer.Option("--lang", help="Language of this version: fr or nl.")],
    title: Annotated[str, typer.Option("--title", help="Title in that language.")],
    body: Annotated[Path, typer.Option("--body", help="Body file: .md, .html or .txt.")],
    image_alt: Annotated[str, typer.Option(help="Text alternative of the image.")] = "",
    place: Annotated[str, typer.Option(help="Place of the event.")] = "",
    link_text: Annotated[str, typer.Option(help="Words of the link.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Add or replace a news item's version in the other language."""
    with service() as svc:
        item = svc.editorial.translate_news(
            news_id, language, title=title, body=read_text(body),
            body_format=guess_format(body.name), image_alt=image_alt, event_place=place,
            link_text=link_text,
        )  # fmt: skip
    if as_json:
        print_json(item)
        return
    console.print(
        _("News item {id}: versions {languages}.").format(
            id=item.id, languages=", ".join(item.languages)
        )
    )
    for flag in item.flags:
        console.print(shown(flag))


def parse_day(value: str | None) -> date | None:
    """A day ``YYYY-MM-DD`` (in the configured time zone), or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            _("Not a day (YYYY-MM-DD): {value}").format(value=shown(value))
        ) from error


SearchOption = Annotated[
    str,
    typer.Option("--search", help="Only those with all these words (case and accents ignored)."),
]
SinceOption = Annotated[str | None, typer.Option("--since", help="From this day (YYYY-MM-DD).")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Until this day (YYYY-MM-DD).")]


@news_app.command("list")
def news_list(
    status: Annotated[NewsStatus | None, typer.Option(help="Only this status.")] = None,
    search: SearchOption = "",
    organisation: Annotated[
        int | None, typer.Option("--organisation", help="Only this organisation (its id).")
    ] = None,
    category: Annotated[str, typer.Option("--category", help="Only this category.")] = "",
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """The news items, oldest first; the options filter them as the console's queue does
    (received from --since to --until)."""
    wanted = NewsFilter(
        text=search, statuses=(status.value,) if status else (), organisation_id=organisation,
        category=category, since=parse_day(since), until=parse_day(until),
    )  # fmt: skip
    with service() as svc:
        items = svc.search.every_news(wanted)
    if as_json:
        print_json(items)
        return
    for item in items:
        console.print(
            f"{item.id:>5}  {item.status:<18} {shown(item.category):<16} "
            f"{shown(item.organisation or '-')} — {shown(item.title)}",
            soft_wrap=True,
        )


@news_app.command("approve")
def news_approve(
    news_ids: Annotated[list[int], typer.Argument(metavar="ID...")],
    as_json: JsonOption = False,
) -> None:
    """Approve news items (all of them, or none when one cannot be): the next issue draft
    takes them. --json: the item, or a list when several ids are given."""
    with service() as svc:
        items = svc.moderation.moderate_many(news_ids, "approve", by="cli")
    if as_json:
        print_json(items[0] if len(news_ids) == 1 else items)
        return
    for item in items:
        console.print(_("News item {id} approved.").format(id=item.id))


@news_app.command("reject")
def news_reject(
    news_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option("--reason", help="Why (the partner reads it).")],
    as_json: JsonOption = False,
) -> None:
    """Reject a news item, with a reason."""
    with service() as svc:
        item = svc.moderation.moderate(news_id, "reject", reason=reason, by="cli")
    if as_json:
        print_json(item)
    else:
        console.print(_("News item {id} rejected.").format(id=news_id))


@news_app.command("changes")
def news_changes(
    news_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option("--reason", help="What to change.")],
    as_json: JsonOption = False,
) -> None:
    """Ask the partner for changes to a news item."""
    with service() as svc:
        item = svc.moderation.moderate(news_id, "changes", reason=reason, by="cli")
    if as_json:
        print_json(item)
    else:
        console.print(_("Changes requested for news item {id}.").format(id=news_id))


@news_app.command("reopen")
def news_reopen(
    news_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: JsonOption = False,
) -> None:
    """Put a news item back in the moderation queue."""
    with service() as svc:
        item = svc.moderation.moderate(news_id, "reopen", by="cli")
    if as_json:
        print_json(item)
    else:
        console.print(_("News item {id} put back in the queue.").format(id=news_id))


# --- assemblies ------------------------------------------------------------------------


@assembly_app.command("create")
@opt.language_texts
def assembly_create(
    title: Annotated[str, typer.Option("--title", help="Title of the AG.")],
    starts: Annotated[str, typer.Option("--starts", help="Start (ISO, local time).")],
    ends: opt.Ends = None,
    place: Annotated[str, typer.Option("--place", help="Address.")] = "",
    video: opt.Video = None,
    agenda: Annotated[Path | None, typer.Option(help="Agenda file, one item a line.")] = None,
    speaker: Annotated[
        list[str] | None, typer.Option(help='"Name, Organisation" (repeatable).')
    ] = None,
    theme: Annotated[str, typer.Option(help="Theme of the AG.")] = "",
    language: Annotated[
        str, typer.Option("--lang", help="Language of the texts: fr or nl.")
    ] = "fr",
    as_json: JsonOption = False,
    *,
    texts: Mapping[str, opt.LanguageTexts],
) -> None:
    """Create an AG; its invitation is sent as (part of) an issue."""
    video = video or ""
    if bool(place.strip()) == bool(video.strip()):
        raise typer.BadParameter(_("Give either --place or --video."))
    with service() as svc:
        ed = svc.editorial

        def version(given: opt.LanguageTexts, lang: str) -> dict[str, object]:
            return {
                "title": given.title or "", "theme": given.theme or "", "place": given.place or "",
                "agenda": ed.parse_agenda(read_text(given.agenda)) if given.agenda else [],
                "speakers": ed.parse_speakers("\n".join(given.speakers or []), lang),
            }  # fmt: skip

        result = ed.create_assembly(
            title=title,
            starts_at=parse_when(starts),
            ends_at=parse_when(ends) if ends else None,
            place=place,
            video_url=video,
            agenda=ed.parse_agenda(read_text(agenda)) if agenda else [],
            speakers=ed.parse_speakers("\n".join(speaker or [])),
            theme=theme,
            language=language,
            texts={lang: version(given, lang) for lang, given in texts.items()},
        )
    if as_json:
        print_json(result)
        return
    console.print(_("Assembly {id} created.").format(id=result.id))
    if result.previous_minutes:
        console.print(
            _("The minutes of the previous AG go with the invitation: {file}").format(
                file=shown(result.previous_minutes.filename)
            )
        )


def _given(**values: object) -> dict[str, object]:
    """The options given (None: not given, left unchanged)."""
    return {name: value for name, value in values.items() if value is not None}


@assembly_app.command("edit")
@opt.language_texts
def assembly_edit(
    assembly_id: Annotated[int, typer.Argument(metavar="ID")],
    starts: Annotated[str | None, typer.Option("--starts", help="Start (ISO, local time).")] = None,
    ends: opt.Ends = None,
    video: opt.Video = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (original language).")] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="Theme (original).")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Address (original).")] = None,
    agenda: Annotated[Path | None, typer.Option("--agenda", help="Agenda file (original).")] = None,
    speaker: Annotated[
        list[str] | None, typer.Option("--speaker", help='"Name, Organisation" (original).')
    ] = None,
    as_json: JsonOption = False,
    *,
    texts: Mapping[str, opt.LanguageTexts],
) -> None:
    """Change an AG: only the options given (a text without -fr/-nl is the original's)."""
    with service() as svc:
        ed = svc.editorial

        def version(given: opt.LanguageTexts, lang: str) -> dict[str, object]:
            return _given(
                title=given.title, theme=given.theme, place=given.place,
                agenda=ed.parse_agenda(read_text(given.agenda)) if given.agenda else None,
                speakers=ed.parse_speakers("\n".join(given.speakers), lang)
                if given.speakers else None,
            )  # fmt: skip

        original = version(opt.LanguageTexts(title, theme, place, agenda, speaker), "")
        by_language = {lang: version(given, lang) for lang, given in texts.items()}
        changes = _given(
            starts_at=parse_when(starts) if starts else None,
            ends_at=parse_when(ends) if ends else None,
            video_url=video,
        )
        result = ed.edit_assembly(assembly_id, original=original, texts=by_language, **changes)
    if as_json:
        print_json(result)
    else:
        console.print(_("Assembly {id} changed.").format(id=assembly_id))


@assembly_app.command("minutes")
def assembly_minutes(
    assembly_id: Annotated[int, typer.Argument(metavar="ID")],
    file: Annotated[Path, typer.Argument(metavar="FILE")],
    as_json: JsonOption = False,
) -> None:
    """Attach the minutes (PV) of an AG."""
    if not file.is_file():
        raise typer.BadParameter(_("No such file: {path}").format(path=shown(file)))
    with service() as svc:
        result = svc.editorial.attach_minutes(assembly_id, file.name, file.read_bytes())
    if as_json:
        print_json(result)
    else:
        console.print(_("Minutes attached to assembly {id}.").format(id=assembly_id))


# --- issues ----------------------------------------------------------------------------


@issue_app.command("draft")
def issue_draft(
    title: Annotated[str | None, typer.Option("--title", help="Title of the issue.")] = None,
    to: Annotated[
        list[str] | None, typer.Option("--list", help="Target list (repeatable).")
    ] = None,
    intro: Annotated[Path | None, typer.Option(help="Introduction (Markdown file).")] = None,
    language: Annotated[str, typer.Option("--lang", help="Language of --title/--intro.")] = "fr",
    title_fr: Annotated[str, typer.Option("--title-fr", help="Title in French.")] = "",
    title_nl: Annotated[str, typer.Option("--title-nl", help="Title in Dutch.")] = "",
    intro_fr: Annotated[
        Path | None, typer.Option("--intro-fr", help="Introduction in French.")
    ] = None,
    intro_nl: Annotated[
        Path | None, typer.Option("--intro-nl", help="Introduction in Dutch.")
    ] = None,
    bilingual: Annotated[
        bool, typer.Option("--bilingual", help="Both versions in one e-mail, French first.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """A new issue from every approved item and the upcoming AGs."""
    texts: dict[str, dict[str, object]] = {
        "fr": {"title": title_fr, "introduction": read_text(intro_fr) if intro_fr else ""},
        "nl": {"title": title_nl, "introduction": read_text(intro_nl) if intro_nl else ""},
    }
    with service() as svc:
        result = svc.editorial.draft_issue(
            title=title, lists=to or [], introduction=read_text(intro) if intro else "",
            language=language, texts=texts, bilingual=bilingual,
        )  # fmt: skip
    if as_json:
        print_json(result)
        return
    console.print(
        _("Issue {id} drafted (number {number}): {items} items, {assemblies} AG.").format(
            id=result.id,
            number=result.number,
            items=len(result.items),
            assemblies=len(result.assemblies),
        )
    )


@issue_app.command("preview")
def issue_preview(
    issue_id: Annotated[int, typer.Argument(metavar="ID")],
    out: Annotated[Path, typer.Option("--out", help="Folder for issue.html/.txt/.eml.")],
    lang: Annotated[str, typer.Option("--lang", help="fr or nl.")] = "fr",
    membership: Annotated[
        Membership, typer.Option(help="Membership of the sample reader's organisation.")
    ] = Membership.full,
) -> None:
    """Write the exact bytes a sample recipient (a reader of --lang) would get."""
    if lang not in LANGUAGES:  # a bad option value is bad usage (exit 2); the service checks too
        raise typer.BadParameter(_("Language must be fr or nl."))
    with service() as svc:
        paths = svc.editorial.write_preview(
            issue_id, out, language=lang, membership=membership.value
        )
    for path in paths:
        console.print(shown(path))
