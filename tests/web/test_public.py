"""Public pages: one-click unsubscribe, double opt-in, preferences, RSVP, feeds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from icalendar import Calendar

from newsletter import links
from newsletter.models import IssueStatus
from newsletter.service import Service
from newsletter.store.editorial import Assembly, Issue
from tests.support.checks import subscriber
from tests.web.conftest import Browser, TestClient
from tests.web.smtp import SmtpServer

DIRECTORY = (
    "organisation;nom;email;statut;langue;groupes\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;logement\n"
    "Maison de quartier Exemple;Social;social@maison.example.org;effectif;fr;\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl;logement\n"
)


def _people(service: Service) -> dict[str, int]:
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    return {s.email: s.id for s in service.audience.list_subscribers()}


def _assembly(service: Service, **values: object) -> int:
    start = datetime.now(UTC) + timedelta(days=20)
    with service.ctx.db.session() as session:
        row = Assembly(
            uid="ag-test@example.org",
            title="AG de printemps",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            place="Salle Exemple, rue de l'Exemple 1, Bruxelles",
            agenda=["Approbation du PV", "Rapport d'activités"],
            **values,
        )
        session.add(row)
        session.flush()
        return row.id


def test_one_click_unsubscribe_needs_no_cookie_nor_token(
    service: Service, app_client: TestClient
) -> None:
    ids = _people(service)
    url = links.unsubscribe_url(service.ctx.settings, ids["accueil@maison.example.org"], 1)
    path = url.removeprefix(service.ctx.settings.base_url)
    page = app_client.get(path)
    assert page.status_code == 200 and "Me désabonner" in page.text
    assert subscriber(service, "accueil@maison.example.org").status == "active"
    app_client.cookies.clear()
    # what a mail client sends for RFC 8058
    response = app_client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert subscriber(service, "accueil@maison.example.org").status == "unsubscribed"
    assert subscriber(service, "social@maison.example.org").status == "active"


def test_forged_unsubscribe_link_is_refused(service: Service, app_client: TestClient) -> None:
    ids = _people(service)
    url = links.unsubscribe_url(service.ctx.settings, ids["accueil@maison.example.org"])
    path = url.removeprefix(service.ctx.settings.base_url)
    response = app_client.post(path[:-3] + "abc")
    assert response.status_code == 400
    assert subscriber(service, "accueil@maison.example.org").status == "active"


def test_subscribe_double_opt_in(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    page = mailing_client.get("/subscribe")
    assert page.status_code == 200
    refused = mailing_client.post("/subscribe", {"email": "new@example.net", "language": "nl"})
    assert refused.status_code == 400 and "Cochez la case" in refused.text
    done = mailing_client.post(
        "/subscribe", {"email": "new@example.net", "language": "nl", "consent": "yes"}
    )
    assert done.status_code == 200 and "new@example.net" in done.text
    subscriber = mailing_service.audience.find_subscriber("new@example.net")
    assert subscriber is not None and subscriber.status == "pending"
    (mail,) = smtp.recorder.wait_for(1)
    message = mail.message
    assert mail.recipients == ["new@example.net"]
    assert message["Subject"] == "Bevestig uw inschrijving"
    body = message.get_content()
    url = re.search(r"https://\S+/confirm/\S+", body)
    assert url, body
    confirmed = mailing_client.get(url.group(0).removeprefix("https://news.example.org"))
    assert confirmed.status_code == 200
    subscriber = mailing_service.audience.find_subscriber("new@example.net")
    assert subscriber is not None and subscriber.status == "active"
    assert subscriber.consent_at is not None


def test_preferences_change_language_and_lists(service: Service, browser: Browser) -> None:
    ids = _people(service)
    sid = ids["accueil@maison.example.org"]
    path = links.preferences_url(service.ctx.settings, sid).removeprefix(
        service.ctx.settings.base_url
    )
    page = browser.get(path)
    assert page.status_code == 200 and "GT Logement" in page.text
    kept = [x for x in service.audience.lists_of(sid) if x != "logement"]
    response = browser.post(path, {"language": "nl", "lists": kept})
    assert response.status_code == 303
    view = service.audience.get_subscriber(sid)
    assert view.language == "nl"
    assert view.lists_left == ["logement"]
    assert view.status == "active"


def test_rsvp_answer_and_summary(service: Service, browser: Browser) -> None:
    ids = _people(service)
    assembly_id = _assembly(service)
    for email, people in (
        ("accueil@maison.example.org", 2),
        ("social@maison.example.org", 1),
        ("onthaal@buurthuis.example.org", 1),
    ):
        path = service.rsvp.url(assembly_id, ids[email]).removeprefix(service.ctx.settings.base_url)
        page = browser.get(path)
        assert page.status_code == 200 and "AG de printemps" in page.text
        answer = "no" if email.startswith("onthaal") else "yes"
        response = browser.post(path, {"attending": answer, "people": str(people)})
        assert response.status_code == 303
    again = browser.get(path)  # the last one is Dutch-speaking: their page is in Dutch
    assert "Uw huidige antwoord: u kunt niet komen." in again.text
    summary = service.rsvp.summary(assembly_id)
    assert (summary.people, summary.organisations, summary.declined) == (3, 1, 1)


def test_rsvp_link_of_another_purpose_is_refused(service: Service, browser: Browser) -> None:
    ids = _people(service)
    assembly_id = _assembly(service)
    token = links.preferences_url(service.ctx.settings, ids["accueil@maison.example.org"])
    response = browser.get(f"/rsvp/{token.rsplit('/', 1)[1]}")
    assert response.status_code == 400
    assert service.rsvp.summary(assembly_id).rows == []


def test_feeds(service: Service, app_client: TestClient) -> None:
    _assembly(service)
    with service.ctx.db.session() as session:
        now = datetime.now(UTC)
        session.add_all(
            [
                Issue(number=1, title="Printemps", status=IssueStatus.sent, sent_at=now),
                Issue(
                    number=2, title="Réservé", status=IssueStatus.sent, sent_at=now, public=False
                ),
                Issue(number=3, title="Brouillon", status=IssueStatus.draft),
            ]
        )
    ics = app_client.get("/feeds/agenda.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert [str(e["uid"]) for e in events] == ["ag-test@example.org"]
    atom = app_client.get("/feeds/issues.atom")
    root = ET.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert titles == ["N° 1 — Printemps"]


def test_revoked_partner_link_stops_working(service: Service, console: Browser) -> None:
    _people(service)
    org = service.partners.organisations()[0]
    old = service.partners.url(org.id)
    assert service.partners.organisation_for(old.rsplit("/", 1)[1]).id == org.id
    page = console.get(f"/console/partners?show={org.id}")
    shown = re.search(r"/submit/([A-Za-z0-9_.-]+)", page.text)
    assert shown and service.partners.organisation_for(shown.group(1)).id == org.id
    response = console.post(f"/console/partners/{org.id}/revoke")
    assert response.status_code == 303
    new = service.partners.url(org.id)
    assert service.partners.organisation_for(new.rsplit("/", 1)[1]).id == org.id
    from newsletter.errors import ValidationError

    with pytest.raises(ValidationError):
        service.partners.organisation_for(old.rsplit("/", 1)[1])


def test_partner_link_sent_by_email(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    from tests.web.conftest import EMAIL, PASSWORD

    mailing_service.audience.import_members(DIRECTORY.encode(), "t.csv")
    mailing_service.accounts.create(EMAIL, PASSWORD)
    mailing_client.get("/console/login")
    mailing_client.post("/console/login", {"email": EMAIL, "password": PASSWORD})
    org = next(o for o in mailing_service.partners.organisations() if o.name.startswith("Maison"))
    mailing_client.get("/console/partners")
    response = mailing_client.post(f"/console/partners/{org.id}/send")
    assert response.status_code == 303
    mails = smtp.recorder.wait_for(2)
    assert sorted(r for m in mails for r in m.recipients) == [
        "accueil@maison.example.org", "social@maison.example.org"
    ]  # fmt: skip
    link = re.search(r"https://\S+/submit/\S+", mails[0].message.get_content())
    assert link and mailing_service.partners.organisation_for(link.group(0).rsplit("/", 1)[1])
    assert mailing_service.partners.organisations([org.id])[0].link_sent_at is not None


def test_organisation_links_go_to_its_active_people_only(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    """``people.send_organisation_links``, which the partners page calls: each active
    person of that organisation gets the link, nobody else; an organisation with nobody
    reachable is a clear error and sends nothing."""
    from sqlalchemy import update

    from newsletter.errors import ValidationError
    from newsletter.models import SubscriberStatus
    from newsletter.store.audience import Subscriber
    from tests.web.conftest import EMAIL, PASSWORD

    service = mailing_service
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    with service.ctx.db.session() as session:
        session.execute(
            update(Subscriber)
            .where(Subscriber.email_key.in_(["social@maison.example.org",
                                             "onthaal@buurthuis.example.org"]))
            .values(status=SubscriberStatus.unsubscribed)
        )  # fmt: skip
    maison, buurthuis = (
        next(o for o in service.partners.organisations() if o.name.startswith(start))
        for start in ("Maison", "Buurthuis")
    )
    sent = service.people.send_organisation_links(maison.id)
    assert (sent.sent_to, sent.organisations) == (
        ["accueil@maison.example.org"], ["Maison de quartier Exemple"]
    )  # fmt: skip
    [mail] = smtp.recorder.wait_for(1)
    assert mail.recipients == ["accueil@maison.example.org"]
    link = re.search(r"https://\S+/submit/\S+", mail.message.get_content())
    assert link and service.partners.organisation_for(link.group(0).rsplit("/", 1)[1]).id == (
        maison.id
    )
    assert service.partners.organisations([maison.id])[0].link_sent_to == (
        "accueil@maison.example.org"
    )
    with pytest.raises(ValidationError) as nobody:
        service.people.send_organisation_links(buurthuis.id)
    assert nobody.value.localized("fr").startswith("Personne dans cette organisation")
    assert nobody.value.localized("nl").startswith("Niemand van deze organisatie")
    assert service.partners.organisations([buurthuis.id])[0].link_sent_at is None
    # the partners page says the same
    service.accounts.create(EMAIL, PASSWORD)
    mailing_client.get("/console/login")
    mailing_client.post("/console/login", {"email": EMAIL, "password": PASSWORD})
    mailing_client.get("/console/partners")
    refused = mailing_client.post(f"/console/partners/{buurthuis.id}/send")
    assert refused.status_code == 303
    assert "Personne dans cette organisation" in mailing_client.get("/console/partners").text
    assert len(smtp.recorder.messages) == 1


def test_signed_files_never_run_in_the_page(service: Service, app_client: TestClient) -> None:
    from newsletter.store.editorial import StoredFile

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with service.ctx.db.session() as session:
        row = StoredFile(filename="x.svg", content_type="image/svg+xml", size=len(svg),
                         sha256="0" * 64, data=svg)  # fmt: skip
        session.add(row)
        session.flush()
        file_id = row.id
    url = links.annex_url(service.ctx.settings, file_id, "x.svg")
    response = app_client.get(url.removeprefix(service.ctx.settings.base_url))
    assert response.status_code == 200 and response.content == svg
    assert response.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in response.headers["content-security-policy"]
    forged = app_client.get(f"/files/{url.split('/')[-2][:-2]}xx/x.svg")
    assert forged.status_code == 400


def test_members_only_issue_is_read_by_members(service: Service, browser: Browser) -> None:
    ids = _people(service)
    with service.ctx.db.session() as session:
        issue = Issue(number=1, title="Réservé", status=IssueStatus.sent, public=False,
                      sent_at=datetime.now(UTC))  # fmt: skip
        session.add(issue)
        session.flush()
        issue_id = issue.id
    assert "réservé aux membres" in browser.get(f"/archive/{issue_id}").text
    assert browser.client.get(f"/archive/{issue_id}/issue.html").status_code == 404
    prefs = links.preferences_url(service.ctx.settings, ids["accueil@maison.example.org"])
    browser.get(prefs.removeprefix(service.ctx.settings.base_url))
    page = browser.get(f"/archive/{issue_id}")
    assert f"/archive/{issue_id}/issue.html" in page.text
