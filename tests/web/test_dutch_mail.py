"""Every e-mail the app sends one person is in that person's language, subject included:
their own language when they are known, the language of the form they used otherwise.

Each e-mail goes to a real (recording) SMTP server, once for a Dutch-speaking member and
once for a French-speaking one, through the doors people use (web forms, the console's
actions, e-mailed news, the AG invitation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.service import Service
from newsletter.web import create_app
from tests.support.checks import text_body
from tests.support.delivery import deliver
from tests.web.conftest import EMAIL, PASSWORD, Browser, TestClient
from tests.web.smtp import SmtpServer

#: member organisations with one French- and one Dutch-speaking contact
DIRECTORY = (
    "organisation;nom;email;statut;langue;groupes\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl;\n"
)
MEMBER = {"fr": "accueil@maison.example.org", "nl": "onthaal@buurthuis.example.org"}
OTHER = {"fr": "nl", "nl": "fr"}

#: what each language's e-mails must say (subjects exactly), and words of the other
#: language (or of the English message ids) that must not leak into them
EXPECTED = {
    "nl": {
        "confirm": "Bevestig uw inschrijving",
        "link": "Uw link om nieuws in te dienen",
        "received": "Uw nieuwsbericht is ontvangen",
        "changes": "Uw nieuwsbericht moet aangepast worden",
        "rejected": "Uw nieuwsbericht werd niet aanvaard",
        "acknowledged": "We hebben uw nieuws goed ontvangen: Fietsatelier",
        "invitation": "AV van de lente",
        "greeting": "Hallo",
        "title": "Fietsatelier",
    },
    "fr": {
        "confirm": "Confirmez votre abonnement",
        "link": "Votre lien pour proposer des actualités",
        "received": "Votre actualité est bien reçue",
        "changes": "Votre actualité doit être modifiée",
        "rejected": "Votre actualité n'a pas été retenue",
        "acknowledged": "Nous avons bien reçu votre information : Atelier vélo",
        "invitation": "AG de printemps",
        "greeting": "Bonjour",
        "title": "Atelier vélo",
    },
}
REASON = "Ajoutez l'heure / Voeg het uur toe"
LEAKS = {
    "nl": ["Bonjour", "Merci", "votre", "Votre", "actualité", "Hello", "Your ", "Please",
           "AG de printemps", "Atelier vélo"],
    "fr": ["Hallo", "Beste", "Bedankt", "nieuws", "Je ", "Hello", "Your ", "Please",
           "AV van de lente", "Fietsatelier"],
}  # fmt: skip


def _check(lang: str, message: EmailMessage, subject: str) -> str:
    """The message is in ``lang``: its subject, and nothing of the other language."""
    assert message["Subject"] == subject
    text = text_body(message)
    for word in LEAKS[lang]:
        assert word not in str(message["Subject"]), (word, message["Subject"])
        assert word not in text, (word, text)
    return text


@pytest.fixture
def mail(ctx: Context, smtp: SmtpServer) -> Service:
    settings: Settings = ctx.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
        "intake_acknowledge": True,
    })  # fmt: skip
    service = Service(Context(settings=settings, db=ctx.db))
    service.audience.import_members(DIRECTORY.encode(), "network.csv")
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    return service


@pytest.fixture
def web(mail: Service) -> Iterator[TestClient]:
    app = create_app(mail.ctx, mail)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_single_mail_is_in_the_readers_language(
    lang: str, mail: Service, web: TestClient, smtp: SmtpServer
) -> None:
    expected, member, other = EXPECTED[lang], MEMBER[lang], OTHER[lang]
    page = Browser(web)

    # a stranger subscribes on the page in their language
    web.headers["accept-language"] = lang
    page.get("/subscribe")
    done = page.post("/subscribe", {"email": f"new-{lang}@example.net", "language": lang,
                                    "consent": "yes"})  # fmt: skip
    assert done.status_code in (200, 303), done.text
    text = _check(lang, smtp.recorder.take(f"new-{lang}@example.net")[0], expected["confirm"])
    assert text.startswith(expected["greeting"]) and "/confirm/" in text

    # the member is sent their organisation's link to submit news
    person = next(s for s in mail.audience.list_subscribers() if s.email == member)
    mail.people.send_partner_links([person.id])
    _check(lang, smtp.recorder.take(member)[0], expected["link"])

    # the member proposes news on the public form shown in the other language: the
    # receipt follows the member's own language, not the page's
    web.headers["accept-language"] = other
    page.get("/submit")
    sent = page.post("/submit", {
        "title": "Atelier vélo", "body": "Samedi, réparez votre vélo.", "language": "fr",
        "other_title": "Fietsatelier", "other_body": "Zaterdag, herstel uw fiets.",
        "category": "actualite", "sender": member, "organisation": "Exemple",
    })  # fmt: skip
    assert sent.status_code in (200, 303), sent.text
    _check(lang, smtp.recorder.take(member)[0], expected["received"])
    # a stranger on the page in a language gets the receipt in that language
    web.headers["accept-language"] = lang
    page.get("/submit")
    stranger = page.post("/submit", {
        "title": expected["title"], "body": "x",
        "language": lang, "category": "actualite", "sender": f"stranger-{lang}@example.net",
        "organisation": "Exemple",
    })  # fmt: skip
    assert stranger.status_code in (200, 303), stranger.text
    _check(lang, smtp.recorder.take(f"stranger-{lang}@example.net")[0], expected["received"])

    # the coordinator asks for changes, then rejects: the member is told in their
    # language, with the item's title in that language
    item = next(n for n in mail.editorial.list_news() if n.sender == member)
    mail.moderation.moderate(item.id, "changes", reason=REASON, by=EMAIL)
    changes = smtp.recorder.take(member)[0]
    assert changes["Subject"] == expected["changes"]
    body = text_body(changes).replace(REASON, "")  # the coordinator's own words
    assert expected["title"] in body
    for word in LEAKS[lang]:
        assert word not in body, (word, body)
    mail.moderation.moderate(item.id, "reject", reason="-", by=EMAIL)
    _check(lang, smtp.recorder.take(member)[0], expected["rejected"])

    # news e-mailed by the member: acknowledged in their language only
    title = expected["title"]
    raw = (
        f"From: {member}\r\nTo: news@example.org\r\nSubject: {title}\r\n"
        "Message-ID: <news-1@buurthuis.example.org>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nZaterdag.\r\n"
    ).encode()
    mail.intake.ingest_bytes(raw)
    ack = smtp.recorder.take(member)[0]
    _check(lang, ack, expected["acknowledged"])
    assert ack["Content-Language"] == lang

    # the AG invitation (a newsletter of its own): its subject and text in the language
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    assembly = mail.editorial.create_assembly(
        title="AG de printemps", starts_at=start, place="Salle Exemple",
        agenda=["Rapport d'activités"],
        texts={"nl": {"title": "AV van de lente", "place": "Zaal Voorbeeld",
                      "agenda": ["Activiteitenverslag"]}},
    )  # fmt: skip
    issue_id = mail.assemblies.invitation(assembly.id)
    mail.delivery.start_send(issue_id, ["membres"])
    deliver(mail, issue_id)
    invitation = smtp.recorder.take(member)[0]
    assert expected["invitation"] in str(invitation["Subject"])
    text = text_body(invitation)
    assert ("Activiteitenverslag" if lang == "nl" else "Rapport d'activités") in text
    assert ("ALGEMENE VERGADERING" if lang == "nl" else "ASSEMBLÉE GÉNÉRALE") in text
    for word in (
        ("AG de printemps", "Rapport d'activités", "Salle Exemple")
        if lang == "nl"
        else ("AV van de lente", "Activiteitenverslag", "Zaal Voorbeeld")
    ):
        assert word not in text and word not in str(invitation["Subject"]), word


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_public_pages_of_a_person_follow_their_language(
    lang: str, mail: Service, web: TestClient
) -> None:
    """A person's own pages (preferences, unsubscribe, RSVP) are in their language even
    in a browser set to the other one; the coordinator's console keeps its own."""
    from newsletter import links

    settings = mail.ctx.settings
    person = next(s for s in mail.audience.list_subscribers() if s.email == MEMBER[lang])
    web.headers["accept-language"] = OTHER[lang]
    base = settings.base_url.rstrip("/")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    assembly = mail.editorial.create_assembly(
        title="AG de printemps", starts_at=start, place="Salle Exemple",
        texts={"nl": {"title": "AV van de lente"}},
    )  # fmt: skip
    pages = [
        links.preferences_url(settings, person.id),
        links.unsubscribe_url(settings, person.id),
        mail.rsvp.url(assembly.id, person.id),
    ]
    for url in pages:
        page = web.get(url.removeprefix(base))
        assert page.status_code == 200, url
        assert f'<html lang="{lang}"' in page.text, url
    # the archive they open next follows too, until they choose another language
    assert f'<html lang="{lang}"' in web.get("/archive").text
    web.get(f"/lang/{OTHER[lang]}?next=/archive")
    assert f'<html lang="{OTHER[lang]}"' in web.get("/archive").text

    # the coordinator opening the same links in their browser keeps a French console
    console = Browser(web)
    web.cookies.clear()
    web.headers["accept-language"] = "fr"
    web.get(links.preferences_url(settings, person.id).removeprefix(base))
    console.get("/console/login")
    console.post("/console/login", {"email": EMAIL, "password": PASSWORD})
    assert '<html lang="fr"' in console.get("/console/").text
