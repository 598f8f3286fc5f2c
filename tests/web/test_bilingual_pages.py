"""Both languages in the console (composer, news item) and on the public pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsletter.context import Context
from newsletter.models import IssueStatus
from newsletter.service import Service
from newsletter.store.editorial import Issue
from tests.content.sample import build_sample
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer


def _sample(ctx: Context) -> int:
    with ctx.db.session() as session:
        return build_sample(session, ctx.settings)


def test_composer_shows_both_versions_and_what_is_missing(
    ctx: Context, service: Service, console: Browser
) -> None:
    issue_id = _sample(ctx)
    page = console.get(f"/console/issues/{issue_id}")
    assert page.status_code == 200
    html = page.text
    assert 'name="title" type="text" required value="Lettre d&#39;information de novembre"' in html
    assert 'name="title_nl" type="text" value="Nieuwsbrief van november"' in html
    # Infoavond has no French version, the job offer no Dutch one: one of each (and the
    # annex has no Dutch label)
    assert html.count("FR manquant") == 2 and html.count("NL manquant") == 3
    assert 'id="missing-versions"' in html and "2 textes n&#39;ont pas de version" in html

    saved = console.post(f"/console/issues/{issue_id}/texts", {
        "title": "Lettre d'information de novembre", "introduction": "Bonne lecture.",
        "title_nl": "Nieuwsbrief (november)", "introduction_nl": "Veel leesplezier.",
        "bilingual": "yes",
    })  # fmt: skip
    assert saved.status_code == 303
    issue = service.editorial.get_issue(issue_id)
    assert issue.bilingual and issue.languages == ["fr", "nl"]
    preview = console.get(f"/console/issues/{issue_id}/preview.html?lang=nl")
    assert "Nieuwsbrief (november)" in preview.text and "Bonne lecture." in preview.text


def test_coordinator_adds_the_other_version_of_a_partner_item(
    service: Service, console: Browser
) -> None:
    item = service.editorial.submit_news(title="Portes ouvertes", body="Bienvenue samedi.")
    page = console.get(f"/console/news/{item.id}")
    assert 'id="version-nl"' in page.text and "NL manquant" in page.text
    saved = console.post(f"/console/news/{item.id}/translate", {
        "language": "nl", "title": "Opendeurdag",
        "body": "Welkom op zaterdag. ![x](https://example.org/x.png) [meer](https://example.org)",
    })  # fmt: skip
    assert saved.status_code == 303
    assert service.editorial.get_news(item.id).languages == ["fr", "nl"]
    page = console.get(f"/console/news/{item.id}")
    assert "La version NL a 1 lien(s), la version FR 0." in page.text  # flagged, accepted
    refused = console.post(f"/console/news/{item.id}/translate",
                           {"language": "de", "title": "T", "body": "x"})  # fmt: skip
    assert refused.status_code == 303
    assert "Langue inconnue" in console.get(f"/console/news/{item.id}").text
    removed = console.post(f"/console/news/{item.id}/translate",
                           {"language": "nl", "remove": "yes"})  # fmt: skip
    assert removed.status_code == 303
    assert service.editorial.get_news(item.id).languages == ["fr"]


def test_a_dutch_reader_reads_the_archive_and_feeds_in_dutch(
    ctx: Context, browser: Browser
) -> None:
    issue_id = _sample(ctx)
    with ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.status = IssueStatus.sent
        issue.sent_at = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
        soon = datetime.now(UTC) + timedelta(days=30)  # the calendar shows what is to come
        for link in issue.assemblies:
            link.assembly.starts_at, link.assembly.ends_at = soon, None
        for entry in issue.items:
            if entry.news.event_start is not None:
                entry.news.event_start = soon
    listing = browser.client.get("/archive", headers={"accept-language": "nl"})
    assert "Nieuwsbrief van november" in listing.text
    assert "/feeds/issues.atom?lang=nl" in listing.text
    page = browser.client.get(f"/archive/{issue_id}?lang=nl")
    assert "Nieuwsbrief van november" in page.text
    frame = browser.client.get(f"/archive/{issue_id}/issue.html?lang=nl")
    assert "Huisvestingspermanentie" in frame.text
    assert "Dit bericht is enkel in het Frans beschikbaar." in frame.text
    # the web version does not offer itself "in the browser" again (the e-mail does)
    assert f"/archive/{issue_id}?lang=" not in frame.text
    assert "in uw browser bekijken" not in frame.text
    browser.client.cookies.clear()  # another browser: this one follows the Dutch link now
    french = browser.client.get("/archive", headers={"accept-language": "fr"})
    assert "Lettre d&#39;information de novembre" in french.text

    atom = browser.client.get("/feeds/issues.atom?lang=nl").text
    assert 'xml:lang="nl"' in atom and "Nieuwsbrief van november" in atom
    assert "Veel leesplezier" in atom
    assert "Lettre d'information de novembre" in browser.client.get("/feeds/issues.atom").text
    calendar = browser.client.get("/feeds/agenda.ics?lang=nl").text
    assert "Algemene vergadering van december" in calendar
    assert "Infoavond over energiepremies" in calendar


def test_a_partner_gives_both_languages(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    service, browser = mailing_service, mailing_client
    form = browser.get("/submit")
    assert 'name="other_title"' in form.text
    sent = browser.post("/submit", {
        "title": "Opendeurdag", "body": "Welkom!", "language": "nl", "category": "actualite",
        "sender": "info@example.org", "organisation": "Huis van het Voorbeeld",
        "other_title": "Portes ouvertes", "other_body": "Bienvenue !",
    })  # fmt: skip
    assert sent.status_code in (200, 303), sent.text
    item = service.editorial.list_news()[-1]
    assert item.title == "Opendeurdag" and item.language == "nl"
    assert item.languages == ["fr", "nl"]
    too_long = browser.post("/submit", {
        "title": "T", "body": "x", "language": "fr", "category": "actualite",
        "sender": "info@example.org", "organisation": "O", "other_title": "T2",
        "other_body": "y" * (service.ctx.settings.news_max_body + 1),
    })  # fmt: skip
    assert too_long.status_code == 400 or "trop long" in too_long.text
    assert len(service.editorial.list_news()) == 1  # nothing half-stored
    (mail,) = smtp.recorder.wait_for(1)  # the acknowledgement, in the partner's language
    assert "Bedankt" in mail.body() and "ontvangen" in mail.body()
