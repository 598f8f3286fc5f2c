"""The confirmation e-mail of an answer to an AG invitation: in the reader's language,
with the AG's time in Brussels, its place in the reader's version, the link to change the
answer, and the calendar entry for those who come; through the RSVP page and the command
line's service alike, received by the recording SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from newsletter.models import RsvpChoice
from newsletter.render.contract import Personalization
from newsletter.render.preview import decode_parts
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from tests.assembly.conftest import add_network, rsvp_path
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer

#: 13:30 UTC in March is 14:30 in Brussels (CET)
STARTS = datetime(2030, 3, 12, 13, 30, tzinfo=UTC)


def _assembly(service: Service) -> int:
    created = service.editorial.create_assembly(
        title="AG de printemps", starts_at=STARTS, place="Salle Exemple, rue de l'Exemple 1",
        agenda=["Rapport d'activités"],
        texts={"nl": {"title": "Lentevergadering", "place": "Zaal Voorbeeld, Voorbeeldstraat 1"}},
    )  # fmt: skip
    return created.id


def test_the_rsvp_page_answer_is_confirmed_in_french(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    people = add_network(mailing_service)
    assembly_id = _assembly(mailing_service)
    path = rsvp_path(mailing_service, assembly_id, people["accueil@maison.example.org"])
    mailing_client.get(path)
    answered = mailing_client.post(path, {"answer": "yes", "people": "2"})
    assert answered.status_code == 303

    [received] = smtp.recorder.wait_for(1)
    assert received.recipients == ["accueil@maison.example.org"]
    message = received.message
    assert message["Subject"] == "Votre réponse pour l'assemblée du 12 mars 2030"
    assert message["Content-Language"] == "fr"
    body = received.body()
    assert body.startswith("Bonjour Accueil,\r\n")  # the issue e-mail's greeting
    assert "« AG de printemps »" in body
    assert "Vous viendrez (2 personnes)." in body
    assert "mardi 12 mars 2030, 14:30" in body  # Brussels time
    assert "Salle Exemple, rue de l'Exemple 1" in body and "Zaal" not in body
    link = re.search(r"https://news\.example\.org/rsvp/\S+", body)
    assert link is not None
    # the link opens this person's answer, which can be changed there
    page = mailing_client.get(link.group(0).removeprefix("https://news.example.org")).text
    assert "AG de printemps" in page
    calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1 and calendars[0].get_filename() == "AG-2030-03-12.ics"
    calendar = calendars[0].get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "SUMMARY:AG de printemps" in calendar
    assert re.search(r"^PRODID:-//.*//newsletter//FR\r?$", calendar, re.M)
    assert "DTSTART;TZID=Europe/Brussels:20300312T143000" in calendar


def test_a_dutch_reader_gets_the_confirmation_in_dutch(
    mailing_service: Service, smtp: SmtpServer
) -> None:
    people = add_network(mailing_service)
    assembly_id = _assembly(mailing_service)
    token = mailing_service.rsvp.url(assembly_id, people["onthaal@buurthuis.example.org"])
    mailing_service.rsvp.answer(token.rsplit("/", 1)[1], RsvpChoice.yes, 1)
    [received] = smtp.recorder.wait_for(1)
    message = received.message
    assert message["Subject"] == "Uw antwoord voor de algemene vergadering van 12 maart 2030"
    body = received.body()
    assert body.startswith("Beste Onthaal,\r\n")  # the issue e-mail's greeting
    assert "“Lentevergadering”" in body and "AG de printemps" not in body
    assert "U komt (1 persoon)." in body
    assert "dinsdag 12 maart 2030, 14:30" in body
    assert "Zaal Voorbeeld, Voorbeeldstraat 1" in body
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    content = calendar.get_content()
    content = content.decode() if isinstance(content, bytes) else content
    assert "SUMMARY:Lentevergadering" in content
    # named and marked in Dutch ("AV", as the Dutch texts call an AG)
    assert calendar.get_filename() == "AV-2030-03-12.ics" and "(AV-2030-03-12.ics)" in body
    assert re.search(r"^PRODID:-//.*//newsletter//NL\r?$", content, re.M)

    # "no" by the command line's door: confirmed, without a calendar entry
    mailing_service.rsvp.answer_for(assembly_id, "onthaal@buurthuis.example.org", RsvpChoice.no)
    second = smtp.recorder.wait_for(2)[1]
    assert "U komt niet." in second.body()
    assert not [p for p in second.message.walk() if p.get_content_type() == "text/calendar"]

    # a proxy names the organisation that holds it
    mailing_service.rsvp.answer_for(
        assembly_id, "onthaal@buurthuis.example.org", RsvpChoice.proxy,
        proxy_to="Maison de quartier Exemple",
    )  # fmt: skip
    third = smtp.recorder.wait_for(3)[2]
    assert "Uw organisatie geeft haar volmacht aan Maison de quartier Exemple." in third.body()


def test_an_answer_stays_recorded_when_no_mail_can_leave(service: Service) -> None:
    """No SMTP server configured: the answer is recorded all the same."""
    people = add_network(service)
    assembly_id = _assembly(service)
    target = service.rsvp.answer_for(assembly_id, "accueil@maison.example.org", RsvpChoice.yes)
    assert target.choice == "yes"
    assert service.rsvp.summary(assembly_id).people == 1
    assert people


def test_the_rsvp_page_shows_the_readers_version(service: Service, browser: Browser) -> None:
    people = add_network(service)
    assembly_id = _assembly(service)
    page = browser.get(rsvp_path(service, assembly_id, people["onthaal@buurthuis.example.org"]))
    assert "Lentevergadering" in page.text and "Zaal Voorbeeld" in page.text
    assert "AG de printemps" not in page.text


def test_a_same_day_assembly_reads_as_in_the_email(service: Service, browser: Browser) -> None:
    """The RSVP page and the confirmation write a same-day AG like the issue e-mail:
    one day, the end as an hour after a dash."""
    from newsletter import moments
    from newsletter.service.rsvp_mail import rsvp_confirmation
    from newsletter.store.audience import Subscriber
    from newsletter.store.editorial import Assembly

    people = add_network(service)
    created = service.editorial.create_assembly(
        title="AG de printemps", starts_at=STARTS, ends_at=STARTS + timedelta(hours=3),
        place="Salle Exemple", texts={"nl": {"title": "Lentevergadering"}},
    )  # fmt: skip
    span = moments.event_span(STARTS, STARTS + timedelta(hours=3), "Europe/Brussels", "nl")
    assert span == "dinsdag 12 maart 2030, 14:30–17:30"
    page = browser.get(rsvp_path(service, created.id, people["onthaal@buurthuis.example.org"]))
    assert f'<p class="lead">{span}</p>' in page.text
    with service.ctx.db.session() as session:
        assembly = session.get(Assembly, created.id)
        person = session.get(Subscriber, people["onthaal@buurthuis.example.org"])
        assert assembly is not None and person is not None
        body = rsvp_confirmation(service.ctx.settings, assembly, person, RsvpChoice.no)
        assert f"Wanneer: {span}\n" in body.get_content()
    # an end on another day is written out in full
    later = moments.event_span(STARTS, STARTS + timedelta(days=1), "Europe/Brussels", "fr")
    assert later == "mardi 12 mars 2030, 14:30 – mercredi 13 mars 2030, 14:30"


@pytest.mark.parametrize("name", ["Onthaal", "  Jean \t Dupont\n", "", "   "])
@pytest.mark.parametrize("email", ["onthaal@buurthuis.example.org", "accueil@maison.example.org"])
def test_the_confirmation_greets_as_the_newsletter_does(
    mailing_service: Service, smtp: SmtpServer, name: str, email: str
) -> None:
    """One greeting rule: the confirmation's first line is the invitation's greeting
    for the same person (a name made one line, none: the plain greeting)."""
    people = add_network(mailing_service)
    with mailing_service.ctx.db.session() as session:
        person = session.get(Subscriber, people[email])
        assert person is not None
        person.name = name
        lang = person.language.value
    assembly_id = _assembly(mailing_service)
    token = mailing_service.rsvp.url(assembly_id, people[email])
    mailing_service.rsvp.answer(token.rsplit("/", 1)[1], RsvpChoice.no, 1)
    [received] = smtp.recorder.wait_for(1)
    first = received.body().split("\r\n", 1)[0]
    plain = {"fr": "Bonjour,", "nl": "Beste lezer,"}[lang]
    assert (first == plain) is (not name.strip()), first
    issue_id = mailing_service.assemblies.invitation(assembly_id)
    variant = mailing_service.editorial.prepare(issue_id).variant(lang, "effectif")
    values = Personalization(email=email, name=name, message_id="<x@example.org>",
                             unsubscribe_url="https://news.example.org/u",
                             preferences_url="https://news.example.org/p",
                             web_url="https://news.example.org/w")  # fmt: skip
    text = decode_parts(variant.personalize(values))[1]
    assert re.search(rf"^{re.escape(first)}\r?$", text, re.M), (first, text[:300])
