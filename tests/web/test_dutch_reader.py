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
