"""The whole cycle through the web pages (HTTP level): partner news with an image,
moderation, composition, preview, test send, send, report, RSVP."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from PIL import Image

from newsletter.service import Service
from tests.support.checks import subscriber
from tests.support.delivery import deliver
from tests.web.conftest import EMAIL, PASSWORD, Browser
from tests.web.smtp import SmtpServer

DIRECTORY = (
    "organisation;nom;email;statut;langue;groupes\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;logement\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl;logement\n"
)


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 80, 140)).save(out, "PNG")
    return out.getvalue()


def login(service: Service, browser: Browser) -> None:
    service.accounts.create(EMAIL, PASSWORD)
    browser.get("/console/login")
    assert browser.post("/console/login", {"email": EMAIL, "password": PASSWORD}).status_code == 303


def test_cycle(mailing_service: Service, mailing_client: Browser, smtp: SmtpServer) -> None:
    service, web = mailing_service, mailing_client
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    org = next(o for o in service.partners.organisations() if o.name.startswith("Maison"))
    path = service.partners.url(org.id).removeprefix(service.ctx.settings.base_url)

    # a partner proposes news with an image through the personal link
    page = web.get(path)
    assert page.status_code == 200 and "Maison de quartier Exemple" in page.text
    fields = {
        "sender": "accueil@maison.example.org", "title": "Repair café du samedi",
        "category": "agenda", "body": "Venez **réparer** vos objets.", "language": "fr",
        "event_start": "2030-03-14T10:00", "event_place": "Salle Exemple",
        "image_alt": "Un atelier de réparation", "csrf_token": web.token,
    }  # fmt: skip
    fake = web.client.post(
        path, data=fields, files={"image": ("x.png", b"not an image", "image/png")}
    )
    assert fake.status_code == 400 and "image" in fake.text
    done = web.client.post(path, data=fields, files={"image": ("atelier.png", png(), "image/png")})
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/news-item/")  # POST-redirect-GET
    receipt = smtp.recorder.wait_for(1)[0].message
    assert receipt["To"] == "accueil@maison.example.org"

    # the coordinator logs in, sees it in the queue and approves it
    login(service, web)
    queue = web.get("/console/news")
    (news_id,) = re.findall(r'href="/console/news/(\d+)"', queue.text)
    item = web.get(f"/console/news/{news_id}")
    image_id = re.search(r'src="/console/files/(\d+)"', item.text)
    assert image_id, "the re-encoded image is shown"
    img = web.client.get(f"/console/files/{image_id.group(1)}")
    assert img.headers["content-type"] in ("image/png", "image/jpeg")
    assert web.post(f"/console/news/{news_id}/decide", {"action": "approve"}).status_code == 303

    # compose an issue, choose a list, preview it
    created = web.post("/console/issues/new", {"title": "Printemps"})
    issue_url = created.headers["location"]
    issue_id = int(issue_url.rsplit("/", 1)[1])
    compose = web.get(issue_url)
    assert "Repair café du samedi" in compose.text
    web.post(f"{issue_url}/texts", {"title": "Printemps", "introduction": "Bonjour à toutes",
                                     "lists": ["membres"], "public": "yes"})  # fmt: skip
    compose = web.get(issue_url)
    assert "2 destinataires" in compose.text
    preview = web.client.get(f"{issue_url}/preview.html?lang=nl")
    assert "Repair café du samedi" in preview.text and 'lang="nl"' in preview.text

    # a test send gets the exact bytes of a recipient
    before = len(smtp.recorder.messages)
    assert (
        web.post(f"{issue_url}/test", {"email": "test@example.net", "lang": "fr"}).status_code
        == 303
    )
    test_mail = smtp.recorder.wait_for(before + 1)[-1]
    assert test_mail.recipients == ["test@example.net"]
    assert "Printemps" in str(test_mail.message["Subject"])

    # send to the list; the worker (run here) delivers to the recording SMTP server
    started = web.post(f"{issue_url}/send")
    assert started.headers["location"].endswith("/sending"), web.get(issue_url).text[:3000]
    deliver(service, issue_id)
    sent = [m for m in smtp.recorder.messages if "onthaal@buurthuis.example.org" in m.recipients]
    assert len(sent) == 1
    message = sent[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page = web.get(f"{issue_url}/sending")
    assert "aucun échec" in page.text and "2 messages traités sur 2" in page.text
    report = web.client.get(f"{issue_url}/report.csv")
    assert "onthaal@buurthuis.example.org" in report.text

    # the archive shows the sent public issue
    archive = web.get("/archive")
    assert "Printemps" in archive.text
    body = web.client.get(f"/archive/{issue_id}/issue.html?lang=fr")
    assert "Repair café du samedi" in body.text, body.text[-1500:]

    # one-click unsubscribe from the link of the message
    unsubscribe = re.search(r"<(https://[^>]+/u/[^>]+)>", str(message["List-Unsubscribe"]))
    assert unsubscribe
    web.client.cookies.clear()
    done = web.client.post(
        unsubscribe.group(1).removeprefix("https://news.example.org"),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    assert subscriber(service, "onthaal@buurthuis.example.org").status == "unsubscribed"


def test_assembly_invitation_and_rsvp(service: Service, console: Browser) -> None:
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    start = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT18:00")
    created = console.post("/console/assemblies/new", {
        "title": "AG de printemps", "starts_at": start, "place": "Salle Exemple",
        "agenda": "Approbation du PV de l'AG précédente\nRapport d'activités",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    assembly_id = int(url.rsplit("/", 1)[1])
    invitation = console.post(f"{url}/invitation")
    issue_url = invitation.headers["location"]
    compose = console.get(issue_url)
    assert "AG de printemps" in compose.text
    # a recipient finds the RSVP link on their preferences page and answers
    sid = subscriber(service, "accueil@maison.example.org").id
    from newsletter import links

    prefs = console.get(links.preferences_url(service.ctx.settings, sid).removeprefix(
        "https://news.example.org"))  # fmt: skip
    rsvp = re.search(r'href="(/rsvp/[^"]+)"', prefs.text)
    assert rsvp, prefs.text
    console.get(rsvp.group(1))
    assert console.post(rsvp.group(1), {"attending": "yes", "people": "3"}).status_code == 303
    page = console.get(url)
    assert "3 personnes représentant 1 organisation membre" in page.text
    assert service.rsvp.summary(assembly_id).people == 3


def test_quarantined_emails_in_the_queue(service: Service, console: Browser) -> None:
    raw = b"From: someone@example.com\r\nSubject: Notre fete de quartier\r\n\r\n"
    record = service.intake.ingest_bytes(raw)
    page = console.get("/console/news")
    assert "Notre fete de quartier" in page.text
    assert "E-mails illisibles" in page.text
    assert "e-mails illisibles à regarder" in console.get("/console/").text
    original = console.client.get(f"/console/inbound/{record.record_id}.eml")
    assert original.content == raw


def test_schedule_from_the_composer(service: Service, console: Browser) -> None:
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    created = console.post("/console/issues/new", {"title": "Plus tard"})
    url = created.headers["location"]
    console.get(url)
    console.post(f"{url}/texts", {"title": "Plus tard", "lists": ["membres"]})
    console.get(url)
    past = console.post(f"{url}/schedule", {"at": "2020-01-01T10:00"})
    assert past.headers["location"].endswith("#send")
    assert "futur" in console.get(url).text
    when = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT09:30")
    done = console.post(f"{url}/schedule", {"at": when})
    assert done.headers["location"].endswith("/sending")
    page = console.get(done.headers["location"])
    assert "programmé" in page.text and "09:30" in page.text
    assert console.client.get("/console/").headers["cache-control"] == "no-store"
    # when the time comes, the scheduler's job starts the send
    issue_id = int(url.rsplit("/", 1)[1])
    at = service.delivery.status(issue_id).scheduled_at
    assert at is not None
    assert service.delivery.run_scheduled(issue_id, now=at + timedelta(seconds=1))
    assert service.delivery.status(issue_id).total == 2


def test_progress_fragment_of_a_scheduled_issue(service: Service, console: Browser) -> None:
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    url = console.post("/console/issues/new", {"title": "Fragment"}).headers["location"]
    console.get(url)
    console.post(f"{url}/texts", {"title": "Fragment", "lists": ["membres"]})
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT08:00")
    console.post(f"{url}/schedule", {"at": when})
    fragment = console.client.get(f"{url}/progress")
    assert fragment.status_code == 200 and "programmé" in fragment.text


def test_coordinator_adds_news(service: Service, console: Browser) -> None:
    service.audience.import_members(DIRECTORY.encode(), "t.csv")
    org = service.audience.organisations()[0]
    console.get("/console/news/new")
    created = console.client.post(
        "/console/news/new",
        data={"title": "Permanence juridique", "body": "Tous les mardis.", "category": "actualite",
              "organisation_id": str(org.id), "approve": "yes", "csrf_token": console.token},
        files={"image": ("affiche.png", png(), "image/png")},
    )  # fmt: skip
    assert created.status_code == 303, created.text
    news_id = int(created.headers["location"].rsplit("/", 1)[1])
    detail = service.console.news_detail(news_id)
    assert (detail.status, detail.source, detail.organisation) == (
        "approved", "coordinator", org.name
    )  # fmt: skip
    assert detail.image is not None


def test_sending_page_retries_the_failed_recipients(service: Service, console: Browser) -> None:
    from sqlalchemy import update

    from newsletter.editorial.issue_status import transition_issue
    from newsletter.models import DeliveryStatus, IssueStatus
    from newsletter.store.delivery import Delivery
    from newsletter.store.editorial import Issue
    from tests.content.sample import build_sample
    from tests.delivery.helpers import add_subscribers

    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    add_subscribers(service.ctx, 3, prefix="lecteur")
    assert service.delivery.start_send(issue_id, ["public"]) == 3
    with service.ctx.db.session() as session:  # the relay refused one, the others went
        rows = session.query(Delivery).order_by(Delivery.id).all()
        session.execute(
            update(Delivery)
            .where(Delivery.id == rows[0].id)
            .values(status=DeliveryStatus.failed_permanent, last_reply="550 5.1.1 unknown user")
        )
        session.execute(update(Delivery).where(Delivery.id != rows[0].id).values(
            status=DeliveryStatus.sent))  # fmt: skip
        issue = session.get(Issue, issue_id)
        assert issue is not None
        transition_issue(issue, IssueStatus.sent)
    page = console.get(f"/console/issues/{issue_id}/sending")
    assert "550 5.1.1 unknown user" in page.text and 'value="retry"' in page.text
    done = console.post(f"/console/issues/{issue_id}/control", {"action": "retry"})
    assert done.status_code == 303
    status = service.delivery.status(issue_id)
    assert (status.status, status.queued, status.failed, status.sent) == (
        "sending",
        1,
        0,
        2,
    )
