"""Counting without spying: with CLICK_COUNTING the links of an issue go through a
signed redirect that counts per issue and link and nothing per person; an altered or
made-up link is refused, never followed; individual tracking is a second setting, and
the privacy notice says which mode is on, in French and Dutch."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.links import click_person, click_url
from newsletter.render.preview import decode_parts
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.clicks import LinkClickPerson, LinkClicks
from newsletter.tokens import CLICK, UNSUBSCRIBE, sign
from newsletter.web.app import create_app
from tests.content.sample import build_sample
from tests.support.cli import Cli
from tests.web.conftest import EMAIL, PASSWORD, Browser

LINK = "https://quartier.example.org/logement"
_HREF = re.compile(r'href="([^"]+)"')


def _client(service: Service) -> Iterator[Browser]:
    app = create_app(service.ctx, service)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield Browser(client)


def _service(ctx: Context, **update: bool) -> Service:
    return Service(Context(settings=ctx.settings.model_copy(update=update), db=ctx.db))


def _issue(ctx: Context) -> int:
    with ctx.db.session() as session:
        return build_sample(session, ctx.settings)


def _counted_links(service: Service, issue_id: int, language: str = "fr") -> list[str]:
    page = service.editorial.preview(issue_id, language=language).html
    base = service.ctx.settings.base_url
    found = [h.replace("&amp;", "&") for h in _HREF.findall(page) if h.startswith(f"{base}/r/")]
    return list(dict.fromkeys(found))


def _path(url: str, settings: Settings) -> str:
    return url.removeprefix(settings.base_url)


def test_links_are_counted_per_issue_and_link_and_nobody_is_recorded(
    ctx: Context, cli: Cli
) -> None:
    issue_id = _issue(ctx)
    service = _service(ctx, click_counting=True)
    preview = service.editorial.preview(issue_id)
    text = decode_parts(preview.eml)[1]
    counted = _counted_links(service, issue_id)
    assert counted and LINK not in re.sub(r">[^<]*<", "><", preview.html)  # only as text
    assert f"{service.ctx.settings.base_url}/r/" in text and LINK not in text
    for browser in _client(service):
        targets = {}
        for url in counted:
            answer = browser.client.get(_path(url, service.ctx.settings))
            assert answer.status_code == 303
            assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["referrer-policy"] == "no-referrer"
            targets[url] = answer.headers["location"]
        assert LINK in targets.values()
        link_to_house = next(u for u, t in targets.items() if t == LINK)
        again = browser.client.get(_path(link_to_house, service.ctx.settings))
        assert again.headers["location"] == LINK
        # a HEAD (a link checker) leads on without counting
        assert browser.client.head(_path(link_to_house, service.ctx.settings)).status_code == 303
    with ctx.db.session() as session:
        rows = {r.url: r.count for r in session.query(LinkClicks).filter_by(issue_id=issue_id)}
        assert rows[LINK] == 2
        assert session.query(LinkClickPerson).count() == 0

    cli.set(service.ctx.settings)
    status = cli("issue", "status", str(issue_id), "--json").json()
    assert {"url": LINK, "count": 2} in status["clicks"]
    assert status["clicks"][0] == {"url": LINK, "count": 2}  # most followed first
    report = cli("issue", "report", str(issue_id), "--clicks", "--json").json()
    assert report == status["clicks"]
    assert cli("issue", "report", "999", "--clicks", "--json").code == 1

    # the report page shows the counts
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    for browser in _client(service):
        browser.get("/console/login")
        login = browser.post("/console/login", {"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 303
        page = browser.get(f"/console/issues/{issue_id}/report").text
        assert "Liens suivis" in page and LINK in page
        assert re.search(rf"{re.escape(LINK)}</code></td><td data-clicks>2<", page)


def test_altered_or_made_up_links_are_refused_never_followed(ctx: Context) -> None:
    issue_id = _issue(ctx)
    service = _service(ctx, click_counting=True)
    settings = service.ctx.settings
    [good, *_] = _counted_links(service, issue_id)
    token = good.rsplit("/", 1)[1]
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    evil = [
        f"/r/{altered}",
        f"/r/{token[: len(token) // 2]}",
        "/r/evil.example.com",
        "/r/" + sign(settings, UNSUBSCRIBE, {"i": issue_id, "u": "https://evil.example.com"}),
        # signed by us, but not a web address: never a redirect to it
        "/r/" + sign(settings, CLICK, {"i": issue_id, "u": "javascript:alert(1)"}),
        "/r/" + sign(settings, CLICK, {"i": "1", "u": "https://evil.example.com"}),
        "/r/" + sign(settings, CLICK, ["https://evil.example.com"]),
    ]
    for browser in _client(service):
        for path in evil:
            answer = browser.client.get(path, headers={"accept-language": "fr"})
            assert answer.status_code == 400, path
            assert "location" not in answer.headers
            assert "https://evil.example.com" not in answer.text and "javascript" not in answer.text
            assert "Ce lien n'est pas valide" in html.unescape(answer.text)
        dutch = browser.client.get(evil[0], headers={"accept-language": "nl"})
        assert dutch.status_code == 400 and "Deze link is niet geldig" in dutch.text
    with ctx.db.session() as session:
        assert session.query(LinkClicks).count() == 0


def test_off_by_default_links_lead_straight_and_old_links_still_lead_on(ctx: Context) -> None:
    issue_id = _issue(ctx)
    service = Service(ctx)
    assert ctx.settings.click_counting is False
    assert ctx.settings.click_tracking_individual is False
    page = service.editorial.preview(issue_id).html
    assert f'href="{LINK}"' in page and "/r/" not in page
    # a counted link of an old e-mail, once counting was turned off: leads on, counts nothing
    old = click_url(ctx.settings, issue_id, LINK)
    for browser in _client(service):
        answer = browser.client.get(_path(old, ctx.settings))
        assert answer.status_code == 303 and answer.headers["location"] == LINK
    with ctx.db.session() as session:
        assert session.query(LinkClicks).count() == 0


def test_individual_tracking_records_who_only_when_turned_on(ctx: Context) -> None:
    issue_id = _issue(ctx)
    service = _service(ctx, click_counting=True, click_tracking_individual=True)
    with ctx.db.session() as session:
        reader = Subscriber(email="lecteur@example.net", email_key="lecteur@example.net")
        session.add(reader)
        session.flush()
        reader_id = reader.id
    [link, *_] = _counted_links(service, issue_id)
    assert "~" in link  # the preview's sample reader has a part too
    personal = link.split("~")[0] + click_person(service.ctx.settings, issue_id, reader_id)
    for browser in _client(service):
        assert browser.client.get(_path(personal, service.ctx.settings)).status_code == 303
        # another issue's reader part is not taken for this one
        foreign = link.split("~")[0] + click_person(service.ctx.settings, issue_id + 1, reader_id)
        assert browser.client.get(_path(foreign, service.ctx.settings)).status_code == 303
    with ctx.db.session() as session:
        people = session.query(LinkClickPerson).all()
        assert [(p.issue_id, p.subscriber_id) for p in people] == [(issue_id, reader_id)]
        assert sum(r.count for r in session.query(LinkClicks)) == 2
    assert service.clicks.people(issue_id) == 1


@pytest.mark.parametrize(
    ("update", "fr", "nl"),
    [
        ({}, "Nous ne comptons pas les liens", "Wij tellen de links"),
        ({"click_counting": True}, "Rien n'est enregistré sur qui", "Er wordt niets bijgehouden"),
        (
            {"click_counting": True, "click_tracking_individual": True},
            "un code qui vous identifie",
            "een code die u identificeert",
        ),
    ],
)
def test_the_privacy_notice_says_which_mode_is_on(
    ctx: Context, update: dict[str, bool], fr: str, nl: str
) -> None:
    service = _service(ctx, **update)
    for browser in _client(service):
        for lang, words in (("fr", fr), ("nl", nl)):
            page = browser.client.get("/privacy", headers={"accept-language": lang}).text
            assert words in html.unescape(page), (lang, page)
            assert "pixel" in page
        assert 'href="/privacy"' in browser.client.get("/archive").text
