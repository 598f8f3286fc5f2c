"""The archive of a list: content of posts, threads, search, members-only pages."""

from __future__ import annotations

import pytest

from newsletter.errors import NotFoundError
from newsletter.mailinglist.archive import matches, post_content, snippet, without_quotes
from newsletter.service import Service
from tests.lists.archive_data import LIST, add_people, add_thread, raw_post

# --- the content of a post (pure) -----------------------------------------------------


def test_plain_text_with_its_charset_and_attachments() -> None:
    raw = (
        b"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nProc\xe8s-verbal\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="a\\"b.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"JVBERi0xLjQK\r\n--b--\r\n"
    )
    content = post_content(raw)
    assert content.text == "Procès-verbal" and content.html is None
    assert [(a.filename, a.content_type, a.size) for a in content.attachments] == [
        ('a"b.pdf', "application/pdf", 9)
    ]


def test_html_only_is_sanitised() -> None:
    raw = raw_post(
        "x",
        '<p onclick="x()">Hi <script>steal()</script><img src="https://t.example/p.gif">'
        '<a href="javascript:evil()">a</a> <a href="https://ok.example/">b</a><style>p{}</style></p>',
        content_type="text/html; charset=utf-8",
    )
    content = post_content(raw)
    assert content.html is not None
    for bad in ("<script", "onclick", "<img", "javascript:", "<style", "steal()"):
        assert bad not in content.html
    assert 'href="https://ok.example/"' in content.html and "noopener" in content.html
    assert content.text == "Hi a b"


def test_broken_and_hostile_posts_never_fail() -> None:
    assert post_content(b"").text == ""
    deep = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n" * 5000
    post_content(deep)  # no exception
    unknown = raw_post("x", "caf\u00e9", content_type="text/plain; charset=x-unknown-42")
    assert post_content(unknown).text == "café"
    control = raw_post("x", "a\x1b[31mred\x00\u202eb")
    assert "\x1b" not in post_content(control).text and "\x00" not in post_content(control).text


def test_search_helpers_fold_case_and_accents() -> None:
    assert matches("reunion CPAS", "Réunion du 3 mars", "au cpas")
    assert not matches("reunion absent", "Réunion")
    assert matches("", "anything")
    text = "a " * 200 + "la réunion du GT " + "b " * 200
    assert "réunion" in snippet(text, "REUNION") and snippet(text, "reunion").startswith("…")
    assert without_quotes("Oui.\n\nLe 3 mars, Alice a écrit :\n> bla\n> bla\nMerci") == (
        "Oui.\n\n[…]\nMerci"
    )


# --- the service ----------------------------------------------------------------------


def test_threads_of_the_list(service: Service) -> None:
    add_people(service)
    posts = add_thread(service)
    page = service.list_archive.page(LIST)
    shapes = [[(line.depth, line.post.key) for line in t.lines()] for t in page.threads]
    assert shapes == [
        [(0, posts["attached"])],
        [(0, posts["html"])],
        [(0, posts["other"])],
        [(0, posts["root"]), (1, posts["reply"]), (2, posts["reply2"])],
    ]
    assert posts["held"] not in page.posts and posts["elsewhere"] not in page.posts


def test_search_finds_words_in_the_text(service: Service) -> None:
    add_people(service)
    posts = add_thread(service)
    found = service.list_archive.page(LIST, text="REUNION cpas").found
    assert found is not None and [f.post.id for f in found] == [posts["root"]]
    assert "CPAS" in found[0].snippet
    found = service.list_archive.page(LIST, text="proces-verbal").found
    assert found is not None and [f.post.id for f in found] == [posts["attached"]]
    found = service.list_archive.page(LIST, text="peeters").found  # the poster's name
    assert found is not None and [f.post.id for f in found] == [posts["reply"]]
    assert service.list_archive.page(LIST, text="relayé").found == []  # held: not shown


def test_who_may_read(service: Service) -> None:
    people = add_people(service)
    may = service.list_archive.may_read
    assert may(LIST, reader=people.alice, coordinator=False)
    assert may(LIST, reader=people.bob, coordinator=False)
    assert not may(LIST, reader=people.zoe, coordinator=False)  # not in the group
    assert not may(LIST, reader=people.gone, coordinator=False)  # unsubscribed
    assert not may(LIST, reader=None, coordinator=False)
    assert not may(LIST, reader=999_999, coordinator=False)
    assert may(LIST, reader=None, coordinator=True)
    service.audience.unsubscribe(people.bob, list_id=LIST, source="test")
    assert not may(LIST, reader=people.bob, coordinator=False)  # left this list
    with pytest.raises(NotFoundError):
        may("sante-mentale", reader=people.alice, coordinator=True)  # takes no posts
