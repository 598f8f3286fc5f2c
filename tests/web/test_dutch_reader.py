"""What a Dutch-speaking member reads outside the e-mail: the AGs on their preferences
page, the Atom feed of the issues and the minutes archive are in Dutch wherever a Dutch
version exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from newsletter import links
from newsletter.models import IssueStatus, Language, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.editorial import Issue
from tests.content.sample import PDF
from tests.web.conftest import Browser


def test_preferences_show_the_assemblies_in_the_readers_language(
    service: Service, browser: Browser
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    service.editorial.create_assembly(
        title="Prochaine assemblée générale", starts_at=start, place="Salle Exemple",
        texts={"nl": {"title": "Volgende algemene vergadering"}},
    )  # fmt: skip
    service.editorial.create_assembly(title="AG extraordinaire", starts_at=start + timedelta(1),
                                      place="Salle Exemple")  # fmt: skip
    with service.ctx.db.session() as session:
        person = Subscriber(email="onthaal@example.org", email_key="onthaal@example.org",
                            name="Onthaal", language=Language.nl, groups=[], roles=[],
                            status=SubscriberStatus.active, consent_source="test")  # fmt: skip
        session.add(person)
        session.flush()
        person_id = person.id
    settings = service.ctx.settings
    url = links.preferences_url(settings, person_id).removeprefix(settings.base_url.rstrip("/"))
    page = browser.client.get(url, headers={"accept-language": "fr"}).text
    assert '<html lang="nl"' in page
    assert "<strong>Volgende algemene vergadering</strong>" in page
    assert "Prochaine assemblée générale" not in page
    # no Dutch version: the French one, marked as French for screen readers
    assert '<strong lang="fr">AG extraordinaire</strong>' in page


def _sent_issue(service: Service, number: int, title: str, nl: str | None) -> int:
    with service.ctx.db.session() as session:
        issue = Issue(number=number, title=title, status=IssueStatus.sent, public=True,
                      sent_at=datetime(2026, 11, number, 10, tzinfo=UTC), lists=["membres"],
                      translations={"nl": {"title": nl}} if nl else {})  # fmt: skip
        session.add(issue)
        session.flush()
        return issue.id


def test_the_dutch_feed_numbers_and_links_in_dutch(service: Service, browser: Browser) -> None:
    both = _sent_issue(service, 3, "Lettre de novembre", "Nieuwsbrief van november")
    french = _sent_issue(service, 4, "Lettre spéciale", None)
    base = service.ctx.settings.base_url.rstrip("/")
    nl = browser.client.get("/feeds/issues.atom?lang=nl").text
    titles = re.findall(r"<title>([^<]*)</title>", nl)[1:]
    assert titles == ["Nr. 4 — Lettre spéciale", "Nr. 3 — Nieuwsbrief van november"]
    assert f'<link rel="alternate" href="{base}/archive/{both}?lang=nl" />' in nl
    assert f'<link rel="alternate" href="{base}/archive/{french}?lang=nl" />' in nl
    # the entries keep one id in both feeds
    assert f"<id>{base}/archive/{both}</id>" in nl
    fr = browser.client.get("/feeds/issues.atom?lang=fr").text
    assert "N° 3 — Lettre de novembre" in fr and "Nr." not in fr
    assert f'href="{base}/archive/{both}?lang=fr"' in fr and f"<id>{base}/archive/{both}</id>" in fr


def test_the_minutes_archive_names_the_assemblies_in_the_readers_language(
    service: Service, browser: Browser
) -> None:
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=60)
    both = service.editorial.create_assembly(
        title="AG précédente", starts_at=past, place="Salle Exemple",
        texts={"nl": {"title": "Vorige algemene vergadering"}},
    )  # fmt: skip
    french = service.editorial.create_assembly(title="AG d'hiver", place="Salle Exemple",
                                               starts_at=past - timedelta(days=90))  # fmt: skip
    for assembly in (both, french):
        service.editorial.attach_minutes(assembly.id, "PV.pdf", PDF)
    nl = browser.client.get("/minutes", headers={"accept-language": "nl"}).text
    assert '<html lang="nl"' in nl
    assert "<span>Vorige algemene vergadering</span>" in nl and "AG précédente" not in nl
    assert '<span lang="fr">AG d&#39;hiver</span>' in nl
    browser.client.cookies.clear()
    fr = browser.client.get("/minutes", headers={"accept-language": "fr"}).text
    assert "<span>AG précédente</span>" in fr and "Vorige" not in fr


def test_the_web_version_links_the_calendar_instead_of_an_attachment(service: Service) -> None:
    """On the web nothing is attached: the AG's calendar is a download link, in each
    language (the templates' ``web`` flag); the e-mail keeps its attachment sentence.
    The bilingual edition's web version links each edition's calendar."""
    from tests.content.sample import build_sample

    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    base = re.escape(service.ctx.settings.base_url.rstrip("/"))
    dutch = (
        re.escape(
            "Download de agenda van het netwerk om de vergadering aan uw agenda toe te voegen: "
        )
        + f'<a href="{base}/feeds/agenda.ics\\?lang=nl"[^>]*>agenda.ics</a>\\.'
    )
    french = (
        re.escape("Pour ajouter l'assemblée à votre agenda, téléchargez l'agenda du réseau : ")
        + f'<a href="{base}/feeds/agenda.ics\\?lang=fr"[^>]*>agenda.ics</a>\\.'
    )
    nl = service.editorial.web_version_html(issue_id, "nl")
    assert "zit in bijlage" not in nl
    assert len(re.findall(dutch, nl)) == 1 and not re.search(french, nl)
    fr = service.editorial.web_version_html(issue_id, "fr")
    assert "est jointe" not in fr
    assert len(re.findall(french, fr)) == 1 and not re.search(dutch, fr)
    mail = service.editorial.preview(issue_id, language="nl")
    assert "zit in bijlage" in mail.html and "agenda.ics" not in mail.html
    with service.ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
    both = service.editorial.web_version_html(issue_id, "nl")
    assert re.search(french, both) and re.search(dutch, both)
    assert "est jointe" not in both and "zit in bijlage" not in both


def test_dutch_readers_see_the_networks_dutch_name(service: Service, browser: Browser) -> None:
    """``NEWSLETTER_ORGANISATION_NAME_NL``: the masthead and footer of the Dutch web
    version, the Dutch feed and the Dutch pages name the network in Dutch."""
    from tests.content.sample import build_sample

    french = service.ctx.settings.organisation_name
    assert service.ctx.settings.organisation_name_in("nl") == french  # unset: the French one
    service.ctx.settings = service.ctx.settings.model_copy(
        update={"organisation_name_nl": "Sociale Coördinatie"}
    )
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    nl = service.editorial.web_version_html(issue_id, "nl")
    assert re.search(r'<p class="network"[^>]*>Sociale Coördinatie</p>', nl) and french not in nl
    fr = service.editorial.web_version_html(issue_id, "fr")
    assert re.search(f'<p class="network"[^>]*>{french}</p>', fr)
    assert "Sociale Coördinatie" not in fr
    feed = browser.client.get("/feeds/issues.atom?lang=nl").text
    assert re.findall(r"<title>([^<]*)</title>", feed)[0] == "Sociale Coördinatie"
    assert french in browser.client.get("/feeds/issues.atom?lang=fr").text
    page = browser.client.get("/archive", headers={"accept-language": "nl"}).text
    assert "Sociale Coördinatie" in page and french not in page
