"""Threads of posts from Message-ID / In-Reply-To / References, and by subject."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsletter.mailinglist.threads import (
    PostRef,
    base_subject,
    build_threads,
    is_reply_subject,
    message_ids,
    thread_of,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def post(key: str, minutes: int, subject: str = "", *, mid: str | None = None,
         reply: str = "", refs: str = "") -> PostRef[str]:  # fmt: skip
    return PostRef(
        key=key,
        message_id=f"<{key}@example.org>" if mid is None else mid,
        in_reply_to=reply,
        references=refs,
        subject=subject or f"Subject {key}",
        date=T0 + timedelta(minutes=minutes),
    )


def shape(posts: list[PostRef[str]]) -> list[list[tuple[int, str]]]:
    return [[(line.depth, line.post.key) for line in t.lines()] for t in build_threads(posts)]


def test_subject_helpers() -> None:
    assert base_subject("[GT Logement] Re: RE : Fwd: Réunion  du 3 mars") == "réunion du 3 mars"
    assert base_subject("Antw: [GT Logement] AW: TR: Agenda") == "agenda"
    assert base_subject("Re[2]: Agenda") == "agenda"
    assert base_subject("Réunion") == "réunion"
    assert base_subject("Recette de cuisine") == "recette de cuisine"  # "Re" only with ':'
    assert is_reply_subject("[GT Logement] Re: x")
    assert is_reply_subject("Antw: x") and is_reply_subject("RE : x")
    assert not is_reply_subject("Fwd: x") and not is_reply_subject("Recette")
    assert message_ids("<a@x> junk <b@y>\r\n <c@z>") == ["<a@x>", "<b@y>", "<c@z>"]
    assert message_ids("no brackets, <with space@x>") == []


def test_replies_by_in_reply_to_and_references() -> None:
    posts = [
        post("a", 0),
        post("b", 10, reply="<a@example.org>"),
        post("c", 20, refs="<a@example.org> <b@example.org>"),
        post("d", 15, reply="<a@example.org>", refs="<a@example.org>"),
        post("e", 30),
    ]
    assert shape(posts) == [
        [(0, "e")],
        [(0, "a"), (1, "b"), (2, "c"), (1, "d")],
    ]


def test_a_missing_parent_keeps_its_replies_together() -> None:
    # <gone@x> was never posted to the list (sent privately, or before the archive)
    posts = [
        post("b", 10, reply="<gone@x>", refs="<gone@x>"),
        post("c", 20, refs="<gone@x> <b@example.org>"),
        post("d", 30, refs="<gone@x>"),
    ]
    assert shape(posts) == [[(0, "b"), (1, "c"), (0, "d")]]


def test_reply_arriving_before_its_parent() -> None:
    posts = [post("b", 0, reply="<a@example.org>"), post("a", 5)]
    assert shape(posts) == [[(0, "a"), (1, "b")]]


def test_subject_fallback_for_clients_that_drop_headers() -> None:
    posts = [
        post("a", 0, "[GT Logement] Réunion du 3 mars"),
        post("b", 10, "RE: [GT Logement] réunion du 3 MARS"),
        post("c", 20, "Réunion du 3 mars"),  # not a reply: a thread of its own
        post("d", 30, "Antw: Autre chose"),  # a reply to nothing known
    ]
    assert shape(posts) == [[(0, "d")], [(0, "c")], [(0, "a"), (1, "b")]]


def test_loops_and_duplicates_do_not_break_threading() -> None:
    posts = [
        post("a", 0, refs="<b@example.org>"),
        post("b", 10, refs="<a@example.org>"),  # a loop through References
        post("c", 20, mid="<a@example.org>"),  # the same Message-ID again
        post("d", 30, mid=""),  # none at all
        post("e", 40, mid="not-an-id", reply="<d@example.org>"),
        post("f", 50, refs="<f@example.org> <a@example.org>"),  # refers to itself
    ]
    threads = build_threads(posts)
    keys = sorted(key for t in threads for key in t.post_keys())
    assert keys == ["a", "b", "c", "d", "e", "f"]  # every post shown exactly once
    a_thread = thread_of(threads, "a")
    assert a_thread is not None and thread_of(threads, "f") is a_thread


def test_hostile_depth_and_reference_counts() -> None:
    chain = [post("p0", 0)]
    for n in range(1, 3000):  # a chain of replies far deeper than Python's recursion limit
        chain.append(post(f"p{n}", n, reply=f"<p{n - 1}@example.org>"))
    threads = build_threads(chain)
    assert len(threads) == 1 and threads[0].count == 3000
    lines = threads[0].lines(max_depth=8)
    assert [line.depth for line in lines[:10]] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 8]
    many = " ".join(f"<r{n}@x>" for n in range(10_000))
    wide = build_threads([post("w", 0, refs=many)])
    assert wide[0].post_keys() == ["w"]


def test_threads_sorted_by_latest_activity() -> None:
    posts = [post("old", 0), post("new", 100), post("reply", 200, reply="<old@example.org>")]
    threads = build_threads(posts)
    assert [t.first.key for t in threads] == ["old", "new"]
    assert threads[0].count == 2 and threads[0].last == T0 + timedelta(minutes=200)
    assert threads[0].subject == "Subject old"
