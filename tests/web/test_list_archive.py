"""The archive pages of a list: members only, escaped and sanitised, searchable, Dutch."""

from __future__ import annotations

from newsletter import links
from newsletter.models import DigestMode
from newsletter.service import Service
from tests.lists.archive_data import LIST, add_people, add_thread
from tests.web.conftest import Browser


def _as_member(service: Service, browser: Browser, subscriber_id: int) -> None:
    url = links.preferences_url(service.ctx.settings, subscriber_id)
    assert browser.get(url.removeprefix(service.ctx.settings.base_url)).status_code == 200


def test_pages_are_for_members(service: Service, browser: Browser) -> None:
    people = add_people(service)
    posts = add_thread(service)
    closed = browser.get(f"/lists/{LIST}/archive")
    assert closed.status_code == 403 and "Réunion" not in closed.text
    assert "réservée aux membres" in closed.text or "membres de la liste" in closed.text
    assert browser.get(f"/lists/{LIST}/archive/{posts['root']}").status_code == 403
    _as_member(service, browser, people.zoe)
    assert browser.get(f"/lists/{LIST}/archive").status_code == 403
    _as_member(service, browser, people.alice)
    page = browser.get(f"/lists/{LIST}/archive")
    assert page.status_code == 200
    assert "Réunion du 3 mars" in page.text and "Secret en attente" not in page.text
    assert browser.get("/lists/nope/archive").status_code == 404
    assert browser.get(f"/lists/{LIST}/archive/{posts['held']}").status_code == 404
    assert browser.get(f"/lists/{LIST}/archive/{posts['elsewhere']}").status_code == 404


def test_post_page_escapes_and_sanitises(service: Service, browser: Browser) -> None:
    people = add_people(service)
    posts = add_thread(service)
    _as_member(service, browser, people.alice)
    page = browser.get(f"/lists/{LIST}/archive/{posts['root']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'aria-current="page"' in page and "Bob Peeters" in page  # the conversation
    html = browser.get(f"/lists/{LIST}/archive/{posts['html']}").text
    for bad in ("<script>steal", "onclick", "track.example", "javascript:", "<b>bold</b>"):
        assert bad not in html
    assert "<b>nombreux</b>" in html and "Zoé &lt;b&gt;bold&lt;/b&gt;" in html
    attached = browser.get(f"/lists/{LIST}/archive/{posts['attached']}").text
    assert "Voici le procès-verbal." in attached and "application/pdf" in attached
    assert "<b>.pdf" not in attached


def test_search_page_and_dutch(service: Service, browser: Browser) -> None:
    people = add_people(service)
    posts = add_thread(service)
    _as_member(service, browser, people.bob)  # a Dutch reader: the pages follow
    page = browser.get(f"/lists/{LIST}/archive?q=appel+r%C3%A9gion").text
    assert "1 bericht gevonden" in page
    assert f"/lists/{LIST}/archive/{posts['other']}" in page
    assert f'/lists/{LIST}/archive/{posts["root"]}"' not in page
    assert "Archief van WG Huisvesting" in page
    hostile = browser.get(f"/lists/{LIST}/archive?q=%3Cscript%3Ex" + "y" * 500).text
    assert "<script>x" not in hostile and "y" * 201 not in hostile


def test_members_choose_a_digest_on_their_preferences_page(
    service: Service, browser: Browser
) -> None:
    people = add_people(service)
    base = service.ctx.settings.base_url
    url = links.preferences_url(service.ctx.settings, people.alice).removeprefix(base)
    page = browser.get(url).text
    assert 'value="logement:daily"' in page and f"/lists/{LIST}/archive" in page
    kept = service.audience.lists_of(people.alice)
    response = browser.post(url, {"language": "fr", "lists": kept, "digest": [f"{LIST}:weekly"]})
    assert response.status_code == 303
    assert service.list_digests.mode(people.alice, LIST) is DigestMode.weekly
    assert 'value="logement:weekly" selected' in browser.get(url).text
    # not a member of the group: no choice shown, and a forged one changes nothing
    url = links.preferences_url(service.ctx.settings, people.zoe).removeprefix(base)
    assert 'name="digest"' not in browser.get(url).text
    kept = service.audience.lists_of(people.zoe)
    browser.post(url, {"language": "fr", "lists": kept, "digest": [f"{LIST}:daily"]})
    assert service.list_digests.mode(people.zoe, LIST) is DigestMode.none
