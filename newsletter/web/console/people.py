"""People and organisations in the console: the paged search, adding a person, a new
address, status with the reason, erasure and the person's data, actions on a selection,
an organisation's page."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import N_
from newsletter.service.people import COORDINATOR_STATUSES, describe_links
from newsletter.web.console.person_form import PersonFormDep
from newsletter.web.deps import AccountDep, ServiceDep
from newsletter.web.lang import request_language
from newsletter.web.pages import redirect, render, t

router = APIRouter()
STATUSES = ("pending", "active", "unsubscribed", "bounced", "blocked")
MAX_SELECTION = 10_000


def _error(request: Request, target: str, error: NewsletterError) -> Response:
    return redirect(target, error.localized(request_language(request)), request, kind="error")


@router.get("/members")
def members(
    request: Request,
    service: ServiceDep,
    q: str = "",
    list: str = "",
    status: str = "",
    page: int = 1,
) -> Response:
    # the lists without their counts (counting every list costs ~1 s at 10,000 people;
    # the Lists tab shows them)
    segments, _errors = service.audience.segments()
    status = status if status in STATUSES else ""
    found = service.people.search(q, status=status, list_id=list, page=page)
    return render(
        request, "console/members.html", section="members", tab="subscribers", q=q,
        list_id=list, status=status, statuses=STATUSES, lists=[*segments.values()], found=found,
    )  # fmt: skip


@router.get("/members/new")
def new_person(request: Request, service: ServiceDep) -> Response:
    return render(
        request, "console/person_new.html", section="members", tab="subscribers",
        organisations=service.audience.organisations(), values={},
    )  # fmt: skip


@router.post("/members/new")
def add_person(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    form: PersonFormDep,
    email: str = Form(""),
) -> Response:
    try:
        view = service.people.add(email, form, by=account.email, source="console")
    except NewsletterError as error:
        values = {"email": email, **form.values()}
        return render(
            request, "console/person_new.html", status_code=400, section="members",
            tab="subscribers", organisations=service.audience.organisations(), values=values,
            error=error.localized(request_language(request)),
        )  # fmt: skip
    return redirect(f"/console/members/{view.id}", t(request, "Person added."), request)


@router.post("/members/bulk")
def bulk(
    request: Request,
    service: ServiceDep,
    ids: list[int] = Form(default_factory=list),
    action: str = Form(""),
    value: str = Form(""),
    confirm: str = Form(""),
    back: str = Form("/console/members"),
) -> Response:
    """An action on the selected people: groups and roles, CSV, partner links, erasure."""
    target = back if back.startswith("/console/members") else "/console/members"
    selected = ids[:MAX_SELECTION]
    try:
        if action == "export":
            return Response(
                service.people.export_selection(selected),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="selection.csv"'},
            )
        if action == "partner_links":
            sent = service.people.send_partner_links(selected)
            return redirect(target, describe_links(sent).render(request_language(request)),
                            request)  # fmt: skip
        if action == "erase" and confirm != "yes":
            raise ValidationError(N_("Tick the box to confirm the erasure of the selected people."))
        result = service.people.bulk(selected, action, value)
    except NewsletterError as error:
        return _error(request, target, error)
    message = t(request, "{changed} of the {selected} selected people changed.",
                changed=result.changed, selected=result.selected)  # fmt: skip
    return redirect(target, message, request)


@router.get("/members/{subscriber_id:int}")
def subscriber(request: Request, service: ServiceDep, subscriber_id: int) -> Response:
    return subscriber_page(request, service, subscriber_id)


def subscriber_page(
    request: Request, service: ServiceDep, subscriber_id: int, status_code: int = 200,
    **form: Any,
) -> Response:  # fmt: skip
    """A person's page; ``form``: what was typed in one of its forms and the error, when
    the change was refused (``values``, ``email``, ``error``, ``error_field``)."""
    detail = service.people.detail(subscriber_id)
    return render(
        request,
        "console/subscriber.html",
        status_code=status_code,
        section="members",
        tab="subscribers",
        subscriber=detail.subscriber,
        detail=detail,
        member_of=service.audience.lists_of(subscriber_id),
        # the titles only: counting every list's recipients is the Lists tab's work
        titles={key: segment.title for key, segment in service.audience.segments()[0].items()},
        organisations=service.audience.organisations(),
        **form,
    )


@router.post("/members/{subscriber_id:int}/email")
def change_email(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    subscriber_id: int,
    email: str = Form(""),
) -> Response:
    target = f"/console/members/{subscriber_id}"
    try:
        service.people.change_email(subscriber_id, email, by=f"console: {account.email}")
    except ValidationError as error:
        return subscriber_page(
            request, service, subscriber_id, status_code=400, email=email,
            error=error.localized(request_language(request)), error_field="new-email",
        )  # fmt: skip
    return redirect(target, t(request, "Address changed; the old one is kept below."), request)


@router.post("/members/{subscriber_id:int}/status")
def change_status(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    subscriber_id: int,
    status: str = Form(...),
    reason: str = Form(""),
) -> Response:
    target = f"/console/members/{subscriber_id}"
    if status not in COORDINATOR_STATUSES:
        return redirect(target, t(request, "Unknown status."), request, kind="error")
    try:
        service.people.set_status(
            subscriber_id, status, by=account.email, source="console", reason=reason
        )
    except NewsletterError as error:
        return _error(request, target, error)
    return redirect(target, t(request, "Status changed."), request)


@router.get("/members/{subscriber_id:int}/data")
def person_data(request: Request, service: ServiceDep, subscriber_id: int) -> Response:
    """Everything held about the person, readable (the right of access)."""
    view = service.audience.get_subscriber(subscriber_id)
    return render(
        request, "console/person_data.html", section="members", tab="subscribers",
        subscriber=view,
        data=service.audience.export_person(view.email, request_language(request)),
    )  # fmt: skip


@router.get("/members/{subscriber_id:int}/data.json")
def person_data_json(request: Request, service: ServiceDep, subscriber_id: int) -> Response:
    view = service.audience.get_subscriber(subscriber_id)
    document = json.dumps(service.audience.export_person(view.email), ensure_ascii=False,
                          indent=2, default=str)  # fmt: skip
    return Response(
        document.encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="donnees-{subscriber_id}.json"'},
    )


@router.post("/members/{subscriber_id:int}/erase")
def erase(
    request: Request, service: ServiceDep, subscriber_id: int, confirmation: str = Form("")
) -> Response:
    try:
        kept = service.people.erase(subscriber_id, confirmation=confirmation)
    except ValidationError as error:
        return _error(request, f"/console/members/{subscriber_id}", error)
    message = t(request, "The person is erased; {n} deliveries kept without name or address.",
                n=kept)  # fmt: skip
    return redirect("/console/members", message, request)


@router.get("/members/organisations/{organisation_id}")
def organisation(request: Request, service: ServiceDep, organisation_id: int) -> Response:
    return organisation_page(request, service, organisation_id)


def organisation_page(
    request: Request, service: ServiceDep, organisation_id: int, status_code: int = 200,
    **form: Any,
) -> Response:  # fmt: skip
    """An organisation's page; ``form``: its details as typed and the error, when the
    change was refused."""
    detail = service.people.organisation(organisation_id)
    today = datetime.now(ZoneInfo(service.ctx.settings.timezone)).date()
    return render(
        request, "console/organisation.html", status_code=status_code, section="members",
        tab="organisations", detail=detail, org=detail.organisation, today=today.isoformat(),
        **form,
    )  # fmt: skip


@router.post("/members/organisations/{organisation_id}")
def save_organisation(
    request: Request,
    service: ServiceDep,
    organisation_id: int,
    name: str = Form(""),
    membership: str = Form("none"),
    sector: str = Form(""),
    website: str = Form(""),
) -> Response:
    target = f"/console/members/organisations/{organisation_id}"
    try:
        service.people.update_organisation(
            organisation_id, name=name, membership=membership, sector=sector, website=website
        )
    except ValidationError as error:
        return organisation_page(
            request, service, organisation_id, status_code=400,
            values={"name": name, "membership": membership, "sector": sector,
                    "website": website},
            error=error.localized(request_language(request)), error_field=error.field,
        )  # fmt: skip
    return redirect(target, t(request, "Changes saved."), request)


@router.post("/members/organisations/{organisation_id}/departure")
def organisation_departure(
    request: Request,
    service: ServiceDep,
    account: AccountDep,
    organisation_id: int,
    action: str = Form("left"),
    day: str = Form(""),
) -> Response:
    """It left the network on a day (or that day is corrected), or it came back."""
    target = f"/console/members/organisations/{organisation_id}"
    try:
        try:
            when = date.fromisoformat(day.strip())
        except ValueError:
            raise ValidationError(N_("Give the day as YYYY-MM-DD.")) from None
        if action == "returned":
            service.people.organisation_returned(organisation_id, when, actor=account.email)
            return redirect(target, t(request, "It is a member again."), request)
        service.people.organisation_left(organisation_id, when, actor=account.email)
    except NewsletterError as error:
        return _error(request, target, error)
    return redirect(target, t(request, "Its departure is recorded."), request)


@router.post("/members/organisations/{organisation_id}/people")
def attach(
    request: Request, service: ServiceDep, organisation_id: int, email: str = Form("")
) -> Response:
    target = f"/console/members/organisations/{organisation_id}"
    try:
        service.people.attach(organisation_id, email)
    except NewsletterError as error:
        return _error(request, target, error)
    return redirect(target, t(request, "Changes saved."), request)


@router.post("/members/organisations/{organisation_id}/people/{subscriber_id}/remove")
def detach(
    request: Request, service: ServiceDep, organisation_id: int, subscriber_id: int
) -> Response:
    target = f"/console/members/organisations/{organisation_id}"
    try:
        service.people.detach(organisation_id, subscriber_id)
    except ValidationError as error:
        return _error(request, target, error)
    return redirect(target, t(request, "Changes saved."), request)
