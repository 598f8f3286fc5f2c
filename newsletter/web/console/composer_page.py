"""The composer page: as stored, or — when part of what was sent with a button was refused
(``ComposerNotSaved``) — again with every value as typed, each error next to its field
and all of them listed at the top (status 400, the action not done)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsletter.errors import NewsletterError
from newsletter.i18n import LANGUAGES, known_language
from newsletter.service import Service
from newsletter.service.console import IssueDetail
from newsletter.service.issue_content import BlockRow, IssueContent
from newsletter.web.console.composer_form import (
    BLOCK_WORDS,
    NEW_KINDS,
    ComposerFields,
    ComposerNotSaved,
    block_texts,
    minutes_choice,
)
from newsletter.web.deps import get_service
from newsletter.web.lang import request_language
from newsletter.web.pages import render

EDIT_STATES = ("draft",)


def compose_page(
    request: Request, service: Service, issue_id: int, lang: str = "fr", width: str = "desktop",
    typed: ComposerNotSaved | None = None,
) -> Response:  # fmt: skip
    detail = service.console.issue_detail(issue_id)
    if detail.row.status not in EDIT_STATES:
        return RedirectResponse(f"/console/issues/{issue_id}/sending", status_code=303)
    content = service.issue_content.content(issue_id)
    page_lang = request_language(request)
    errors: dict[str, str] = {}
    new_blocks: dict[str, dict[str, object]] = {}
    if typed is not None:
        detail, content = _as_typed(detail, typed.fields), _content_as_typed(content, typed.fields)
        errors = {key: error.localized(page_lang) for key, error in typed.errors.items()}
        new_blocks = _new_blocks(typed.fields)
    readers: dict[str, int] = {}  # counted in the same pass as the lists
    infos, _errors, count = service.audience.lists_and_reach(detail.row.lists, readers)
    available = service.issue_content.available_news(issue_id)
    gaps = service.languages.gaps(issue_id, detail.row.lists, readers)
    problem = service.issue_content.preview_problem(issue_id)
    preview_error = problem.localized(page_lang) if problem is not None else None
    return render(
        request,
        "console/compose.html",
        status_code=400 if errors else 200,
        section="issues",
        issue=detail,
        content=content,
        lists=infos,
        available=available,
        recipients=count,
        preview_lang=known_language(lang),
        width="mobile" if width == "mobile" else "desktop",
        preview_error=preview_error,
        now_local=datetime.now(UTC),
        missing_counts=[(lang, gaps.missing(lang)) for lang in LANGUAGES],
        missing_total=sum(gaps.missing(lang) for lang in LANGUAGES),
        fallback_warnings=[warning.render(page_lang) for warning in gaps.warnings()],
        planned=_local_input(detail.row.scheduled_at, service.ctx.settings.timezone),
        composer_errors=errors,
        new_blocks=new_blocks,
    )


async def not_saved(request: Request, error: Exception) -> Response:
    """The exception handler of ``ComposerNotSaved``: the composer as typed."""
    if not isinstance(error, ComposerNotSaved):  # pragma: no cover - registered for it only
        raise error
    service = get_service(request)
    return await run_in_threadpool(
        compose_page, request, service, error.issue_id, typed=error
    )  # fmt: skip


def _local_input(moment: datetime | None, timezone: str) -> str:
    """A time as a ``datetime-local`` field shows it (the planned time kept on unscheduling)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def _as_typed(detail: IssueDetail, fields: ComposerFields) -> IssueDetail:
    texts = {lang: dict(values) for lang, values in detail.texts.items()}
    texts.setdefault(detail.language, {})
    texts[detail.language].update(title=fields.title, introduction=fields.introduction)
    for lang, sent in fields.other.items():
        if lang != detail.language:
            given = {name: value for name, value in sent.items() if value is not None}
            texts.setdefault(lang, {}).update(given)
    labels = {annex: dict(values) for annex, values in detail.annex_labels.items()}
    for annex, values in fields.annex_labels.items():
        labels.setdefault(annex, {}).update(values)
    row = replace(detail.row, lists=list(fields.lists), public=fields.public)
    return replace(detail, row=row, texts=texts, annex_labels=labels, bilingual=fields.bilingual)


def _content_as_typed(content: IssueContent, fields: ComposerFields) -> IssueContent:
    assemblies = []
    for ag in content.assemblies:
        chosen = ag.minutes_from
        if ag.id in fields.minutes:
            with suppress(NewsletterError):
                chosen = minutes_choice(fields.minutes[ag.id])
        assemblies.append(replace(ag, minutes_from=chosen))
    return replace(content, assemblies=assemblies,
                   blocks=[_block_as_typed(b, fields) for b in content.blocks])  # fmt: skip


def _block_as_typed(block: BlockRow, fields: ComposerFields) -> BlockRow:
    edit = fields.blocks.get(block.id)
    if edit is None:
        return block
    texts = {lang: dict(values) for lang, values in block.texts.items()}
    for lang, values in (edit.texts or {}).items():
        texts.setdefault(lang, {}).update(values)
    return replace(
        block, texts=texts, place=edit.place or block.place,
        audience=edit.audience or block.audience,
        url=block.url if edit.url is None else edit.url,
    )  # fmt: skip


def _new_blocks(fields: ComposerFields) -> dict[str, dict[str, object]]:
    """The fields of each new block as typed (``new_text_body_fr``…)."""
    found: dict[str, dict[str, object]] = {}
    for kind in NEW_KINDS:
        values = fields.new_block(kind)
        texts = block_texts(values)
        found[kind] = {
            "texts": {lang: {name: texts.get(lang, {}).get(name, "") for name in BLOCK_WORDS}
                      for lang in LANGUAGES},
            "url": values.get("url", ""),
            "place": values.get("place", "introduction"),
            "audience": values.get("audience", "all"),
        }  # fmt: skip
    return found
