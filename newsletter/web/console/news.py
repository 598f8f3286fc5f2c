"""Moderation queue: view, edit, approve, reject with a reason, request changes."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError
from newsletter.i18n import LANGUAGES
from newsletter.service.search import NewsFilter
from newsletter.service.submissions import NewsForm
from newsletter.web.console import filters
from newsletter.web.deps import AccountDep, ServiceDep
from newsletter.web.forms import local_datetime, read_upload
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
TABS = ("pending", "changes_requested", "approved", "rejected", "published")


@router.get("/news")
def queue(
    request: Request, service: ServiceDep, status: str = "pending", q: str = "",
    organisation: str = "", category: str = "", since: str = "", until: str = "",
    page: str = "1",
) -> Response:  # fmt: skip
    """The queue, filtered by the query string (status tab, words, organisation,
    category, days received), one page at a time."""
    status = status if status in (*TABS, "all") else "pending"
    wanted = NewsFilter(
        statuses=() if status == "all" else (status,),
        organisation_id=filters.number(organisation),
        category=category if category in service.ctx.settings.categories else "",
    )
    listing = filters.read_listing(request, wanted, service.search.news, q=q, since=since,
                                   until=until, page=page)  # fmt: skip
    return render(
        request,
        "console/news_list.html",
        section="news",
        status=status,
        tabs=TABS,
        counts=service.console.news_counts(),
        found=listing.found,
        items=listing.found.rows,
        wanted=listing.wanted,
        filtering=listing.typed or bool(wanted.organisation_id or wanted.category),
        filter_error=listing.error,
        values=listing.values,
        back=filters.kept_query(request.url.query, filters.NEWS_KEYS),
        organisations=service.audience.organisations(),
        # incoming e-mails that could not become news items, with the reason
        quarantine=service.intake.quarantined(limit=50),
        unmatched=service.intake.unmatched_bounces(limit=20),
        categories=service.ctx.settings.categories,
    )


@router.get("/inbound/{record_id}.eml")
def inbound_raw(request: Request, service: ServiceDep, record_id: int) -> Response:
    """The original e-mail as received, to look at what went wrong."""
    data = service.intake.raw_message(record_id)
    return Response(
        data,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{record_id}.eml"'},
    )


@router.get("/news/new")
def new_item(request: Request, service: ServiceDep) -> Response:
    return render(request, "console/news_new.html", section="news",
                  categories=service.ctx.settings.categories,
                  organisations=service.audience.organisations(), values={})  # fmt: skip


@router.post("/news/new")
def create_item(
    request: Request, service: ServiceDep, account: AccountDep,
    title: str = Form(""), body: str = Form(""), category: str = Form(""),
    organisation_id: str = Form(""), link: str = Form(""), language: str = Form("fr"),
    event_start: str = Form(""), event_end: str = Form(""), event_place: str = Form(""),
    image_alt: str = Form(""), approve: str = Form(""),
    image: UploadFile | None = File(None), files: list[UploadFile] | None = File(None),
) -> Response:  # fmt: skip
    zone = service.ctx.settings.timezone
    values = {"title": title, "body": body, "category": category, "link": link,
              "language": language, "event_start": event_start, "event_end": event_end,
              "event_place": event_place, "image_alt": image_alt,
              "organisation_id": organisation_id}  # fmt: skip
    try:
        form = NewsForm(
            title=title, body=body, category=category, sender="", link=link.strip(),
            language=language, event_start=local_datetime(event_start, zone),
            event_end=local_datetime(event_end, zone), event_place=event_place,
            image_alt=image_alt,
        )  # fmt: skip
        uploads = [u for u in (read_upload(f) for f in files or []) if u is not None]
        created = service.submissions.add_by_coordinator(
            form,
            actor=account.email,
            organisation_id=int(organisation_id) if organisation_id.isdigit() else None,
            image=read_upload(image),
            files=uploads,
            approve=approve == "yes",
        )
    except NewsletterError as error:
        return render(
            request, "console/news_new.html", status_code=400, section="news",
            categories=service.ctx.settings.categories,
            organisations=service.audience.organisations(), values=values,
            error=error.localized(request_language(request)),
        )  # fmt: skip
    return redirect(f"/console/news/{created.id}", t(request, "News item added."), request)


@router.get("/news/{news_id}")
def item(request: Request, service: ServiceDep, news_id: int) -> Response:
    return render(
        request,
        "console/news_item.html",
        section="news",
        item=service.console.news_detail(news_id),
        categories=service.ctx.settings.categories,
    )


#: the fields with a version per language, as the news item page names them (the
#: original's without a suffix, the other language's with ``_fr``/``_nl``)
VERSION_FIELDS = ("title", "body", "link_text", "image_alt", "event_place")


@router.post("/news/{news_id}/edit")
def edit(
    request: Request, service: ServiceDep, account: AccountDep, news_id: int,
    category: str = Form(""), link: str = Form(""), language: str = Form("fr"),
    original: str = Form(""), both: str = Form(""),
    event_start: str = Form(""), event_end: str = Form(""),
    title: str = Form(""), body: str = Form(""), link_text: str = Form(""),
    image_alt: str = Form(""), event_place: str = Form(""),
    title_fr: str = Form(""), body_fr: str = Form(""), link_text_fr: str = Form(""),
    image_alt_fr: str = Form(""), event_place_fr: str = Form(""),
    title_nl: str = Form(""), body_nl: str = Form(""), link_text_nl: str = Form(""),
    image_alt_nl: str = Form(""), event_place_nl: str = Form(""),
) -> Response:  # fmt: skip
    """The corrections of the coordinator: both language versions side by side (``both``),
    or the original only (older forms and scripts)."""
    values = {
        "title": title, "body": body, "link_text": link_text, "image_alt": image_alt,
        "event_place": event_place, "title_fr": title_fr, "body_fr": body_fr,
        "link_text_fr": link_text_fr, "image_alt_fr": image_alt_fr,
        "event_place_fr": event_place_fr, "title_nl": title_nl, "body_nl": body_nl,
        "link_text_nl": link_text_nl, "image_alt_nl": image_alt_nl,
        "event_place_nl": event_place_nl,
    }  # fmt: skip
    zone = service.ctx.settings.timezone
    original = original or language
    texts: dict[str, dict[str, str]] = {}
    if original in LANGUAGES:
        other = next(code for code in LANGUAGES if code != original)
        texts = {
            original: {name: values.get(name, "") for name in VERSION_FIELDS},
            other: {name: values.get(f"{name}_{other}", "") for name in VERSION_FIELDS},
        }
    main = texts.get(language) or {name: values.get(name, "") for name in VERSION_FIELDS}
    second = next((texts[code] for code in texts if code != language), {})
    try:
        form = NewsForm(
            title=main["title"], body=main["body"], category=category, sender="", link=link,
            language=language, event_start=local_datetime(event_start, zone),
            event_end=local_datetime(event_end, zone),
            event_place=main["event_place"], image_alt=main["image_alt"],
            link_text=main["link_text"], other_title=second.get("title", ""),
            other_body=second.get("body", ""), other_link_text=second.get("link_text", ""),
            other_image_alt=second.get("image_alt", ""),
            other_event_place=second.get("event_place", ""),
        )  # fmt: skip
        service.submissions.edit(news_id, form, actor=account.email, both=both == "yes")
    except NewsletterError as error:
        return render(
            request, "console/news_item.html", status_code=400, section="news",
            item=service.console.news_detail(news_id),
            categories=service.ctx.settings.categories,
            error=error.localized(request_language(request)), typed=texts or None,
            typed_shared={"category": category, "link": link, "language": language,
                          "event_start": event_start, "event_end": event_end},
        )  # fmt: skip
    return redirect(f"/console/news/{news_id}", t(request, "Changes saved."), request)


@router.post("/news/{news_id}/translate")
def translate(
    request: Request,
    service: ServiceDep,
    news_id: int,
    language: str = Form(...),
    title: str = Form(""),
    body: str = Form(""),
    event_place: str = Form(""),
    image_alt: str = Form(""),
    link_text: str = Form(""),
    remove: str = Form(""),
) -> Response:
    """Add, replace or remove the other language's version (checked as the original)."""
    url = f"/console/news/{news_id}"
    try:
        if remove == "yes":
            service.editorial.drop_news_version(news_id, language)
        else:
            service.editorial.translate_news(
                news_id, language, title=title, body=body, event_place=event_place,
                image_alt=image_alt, link_text=link_text,
            )  # fmt: skip
    except NewsletterError as error:
        return redirect(url, error.localized(request_language(request)), request, kind="error")
    return redirect(url, t(request, "Changes saved."), request)


@router.post("/news/{news_id}/decide")
def decide(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    news_id: int,
    action: str = Form(...),
    reason: str = Form(""),
) -> Response:
    try:
        service.moderation.moderate(news_id, action, reason=reason, by=account.email)
    except NewsletterError as error:
        return redirect(
            f"/console/news/{news_id}",
            error.localized(request_language(request)),
            request,
            kind="error",
        )
    messages = {
        "approve": t(request, "News item approved: it will be offered in the next issue."),
        "reject": t(request, "News item rejected. The partner is told the reason by e-mail."),
        "changes": t(request, "Changes requested. The partner is told by e-mail."),
        "reopen": t(request, "News item put back in the queue."),
    }
    return redirect("/console/news", messages.get(action, ""), request)
