"""Writing a record's other language version: news item, issue, assembly, annex label.

The same checks as the original version, whatever the door: the language is fr or nl,
texts keep their length limits, a body is sanitised the same way. Giving the original
language replaces the original version's texts. A translation whose structure differs
(an image more, a link less) is accepted; ``versions.structure_flags`` shows it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from newsletter import versions
from newsletter.config import Settings
from newsletter.editorial.assemblies import clean_speakers
from newsletter.editorial.news_status import Editor, check_editable
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.intake.limits import check_body, check_news_fields
from newsletter.store.editorial import Assembly, Issue, IssueAnnex, NewsItem
from newsletter.text import BodyFormat, one_line, to_safe_html

GIVEN_TWICE = N_("The {code} {field} is given twice (once as the original, once as {code}).")


def split_versions(
    language: str, original: dict[str, object], by_language: dict[str, dict[str, object]]
) -> tuple[str, dict[str, object], dict[str, object]]:
    """(original language, original texts, other language's texts) from texts given per
    language (``--title-nl``…): a text in the original language is the original's,
    unless the original was given as well (refused)."""
    language = versions.check_language(language)
    main = {name: value for name, value in original.items() if value}
    for lang in by_language:
        versions.check_language(lang)
    for name, value in (by_language.get(language) or {}).items():
        if not value:
            continue
        if main.get(name) and main[name] != value:
            raise ValidationError(GIVEN_TWICE, code=language.upper(), field=name)
        main[name] = value
    other = by_language.get(versions.other_language(language)) or {}
    return language, main, {name: value for name, value in other.items() if value}


def translate_news(
    settings: Settings,
    item: NewsItem,
    lang: str,
    *,
    title: str,
    body: str,
    body_format: BodyFormat = "markdown",
    link_text: str = "",
    image_alt: str = "",
    event_place: str = "",
) -> None:
    """Add or replace the ``lang`` version of a news item (title and body required)."""
    lang = versions.check_language(lang)
    check_editable(item, Editor.coordinator)
    check_news_fields(
        settings, body=None if body_format == "html" else body, title=title,
        event_place=event_place, image_alt=image_alt, link_text=link_text,
    )  # fmt: skip
    clean_title = one_line(title, 300)
    if not clean_title:
        raise ValidationError(N_("A news item needs a title."))
    body_html = to_safe_html(body, body_format)
    if body_format == "html":
        check_body(settings, body_html)
    versions.set_version(
        item,
        lang,
        {
            "title": clean_title,
            "body_html": body_html,
            "body_source": body,
            "link_text": one_line(link_text, 200),
            "image_alt": one_line(image_alt, 300),
            "event_place": one_line(event_place, 300),
        },
        versions.NEWS_FIELDS,
    )


def drop_news_version(item: NewsItem, lang: str) -> None:
    """Remove the ``lang`` version of a news item; the original version stays."""
    lang = versions.check_language(lang)
    check_editable(item, Editor.coordinator)
    if lang == versions.original_language(item):
        raise ValidationError(N_("The original version of an item cannot be removed."))
    versions.drop_version(item, lang)


def set_issue_version(
    issue: Issue, lang: str, *, title: str | None = None, introduction: str | None = None
) -> None:
    """The ``lang`` title and introduction of an issue (None: unchanged; "": removed)."""
    lang = versions.check_language(lang)
    values: dict[str, str] = {}
    if title is not None:
        values["title"] = one_line(title, 300)
        if not values["title"] and lang == versions.original_language(issue):
            raise ValidationError(N_("An issue needs a title."))
    if introduction is not None:
        values["introduction"] = introduction.strip()
    versions.set_version(issue, lang, values, versions.ISSUE_FIELDS)


def set_assembly_version(
    settings: Settings,
    assembly: Assembly,
    lang: str,
    *,
    title: str | None = None,
    theme: str | None = None,
    place: str | None = None,
    agenda: list[str] | None = None,
    speakers: list[dict[str, str]] | None = None,
    previous: Assembly | None = None,
) -> None:
    """The ``lang`` texts of an AG. An agenda given in the other language starts with
    the approval of the previous AG's PV, as the original's does. ``speakers``:
    ``[{"name", "organisation"}]`` as that language writes them (an organisation's name
    in Dutch); none: its readers get the other version's."""
    lang = versions.check_language(lang)
    field_lang = "" if lang == versions.original_language(assembly) else lang
    values: dict[str, object] = {}
    if title is not None:
        values["title"] = one_line(title, 300)
        if not values["title"] and lang == versions.original_language(assembly):
            raise ValidationError(N_("An assembly needs a title.")).on("title")
    if theme is not None:
        values["theme"] = one_line(theme, 300)
    if place is not None:
        values["place"] = one_line(place, 500)
    if agenda is not None:
        points = [one_line(point, 500) for point in agenda if point.strip()]
        if points and previous is not None and lang != versions.original_language(assembly):
            day = format_date(
                previous.starts_at.astimezone(ZoneInfo(settings.timezone)), "d MMMM y", locale=lang
            )
            approval = versions.PV_APPROVAL[lang].format(day=day)
            if points[0] != approval:
                points.insert(0, approval)
        values["agenda"] = points
    if speakers is not None:
        values["speakers"] = clean_speakers(speakers, field_lang)
    versions.set_version(assembly, lang, values, versions.ASSEMBLY_FIELDS)
    assembly.sequence += 1


class _AnnexRecord:
    """An annex label with its issue's original language (annexes have none of their own)."""

    def __init__(self, annex: IssueAnnex, issue: Issue) -> None:
        self.annex = annex
        self.language = issue.language
        self.translations = annex.translations
        self.label = annex.label


def set_annex_label(issue: Issue, annex: IssueAnnex, lang: str, label: str) -> None:
    lang = versions.check_language(lang)
    record = _AnnexRecord(annex, issue)
    versions.set_version(record, lang, {"label": one_line(label, 300)}, versions.ANNEX_FIELDS)
    annex.label = record.label
    annex.translations = record.translations


def annex_labels(issue: Issue, annex: IssueAnnex) -> dict[str, str]:
    """An annex's label per language as stored ("" when that version is missing)."""
    record = _AnnexRecord(annex, issue)
    return {lang: str(versions.field_in(record, "label", lang)) for lang in LANGUAGES}
