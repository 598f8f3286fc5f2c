"""The subscription form and its confirmation links, as an outsider would use them:
single-use expiring links, a cool-down per address, a limit per client, and the same
answer and the same work for a known and an unknown address."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, update

from newsletter.service import Service
from newsletter.service.subscriptions import SUBSCRIBE_PER_CLIENT_HOUR
from newsletter.store.access import SubscriptionConfirmation
from tests.support.checks import subscriber
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer

BASE = "https://news.example.org"


def _ask(client: Browser, email: str, **extra: str) -> Any:
    client.get("/subscribe")
    return client.post("/subscribe", {"email": email, "consent": "yes", **extra})


def _links(smtp: SmtpServer, email: str, count: int = 1) -> list[str]:
    """The confirmation links sent to ``email``, once ``count`` of them have come (the
    e-mail leaves from a thread of its own)."""
    deadline = time.monotonic() + 20
    while len(smtp.recorder.to(email)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    found = []
    for mail in smtp.recorder.to(email):
        url = re.search(r"https://\S+/confirm/\S+", mail.message.get_content())
        assert url, mail.message.get_content()
        found.append(url.group(0).removeprefix(BASE))
    return found


def _forget_cooldown(service: Service, email: str) -> None:
    service.limits.clear("subscribe-address", email.casefold())


def test_a_confirmation_link_works_once(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    _ask(mailing_client, "once@example.net", language="nl")
    (link,) = _links(smtp, "once@example.net")
    assert mailing_client.client.get(link).status_code == 200
    assert subscriber(mailing_service, "once@example.net").status == "active"
    again = mailing_client.client.get(link, headers={"Accept-Language": "nl"})
    assert again.status_code == 400
    assert "Deze bevestigingslink werd al gebruikt." in again.text
    # another browser (the first one now follows the Dutch reader's language)
    mailing_client.client.cookies.clear()
    again = mailing_client.client.get(link, headers={"Accept-Language": "fr"})
    assert "Ce lien de confirmation a déjà été utilisé." in again.text


def test_an_old_link_does_not_resubscribe_someone_who_left(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    email = "left@example.net"
    _ask(mailing_client, email)
    _forget_cooldown(mailing_service, email)
    _ask(mailing_client, email)  # a second link, never opened
    first, second = _links(smtp, email, 2)
    assert mailing_client.client.get(first).status_code == 200
    mailing_service.audience.unsubscribe(email, source="unsubscribe link")
    for old in (first, second):
        page = mailing_client.client.get(old)
        assert page.status_code == 400
        assert subscriber(mailing_service, email).status == "unsubscribed"
    # someone unsubscribed while a link was still out: that link confirms nothing either
    _forget_cooldown(mailing_service, email)
    _ask(mailing_client, "pending@example.net")
    (waiting,) = _links(smtp, "pending@example.net")
    mailing_service.audience.unsubscribe("pending@example.net", source="coordinator")
    page = mailing_client.client.get(waiting)
    assert (
        page.status_code == 400 and "Ce lien de confirmation n&#39;est plus valable." in page.text
    )
    assert subscriber(mailing_service, "pending@example.net").status == "unsubscribed"
    # asking again gives a new link, which works
    _ask(mailing_client, email)
    newest = _links(smtp, email, 3)[-1]
    assert newest not in (first, second)
    assert mailing_client.client.get(newest).status_code == 200
    assert subscriber(mailing_service, email).status == "active"


def test_a_confirmation_link_expires(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    _ask(mailing_client, "late@example.net")
    (link,) = _links(smtp, "late@example.net")
    hours = mailing_service.ctx.settings.confirm_link_hours
    with mailing_service.ctx.db.session() as session:
        row = session.query(SubscriptionConfirmation).one()
        session.execute(
            update(SubscriptionConfirmation).values(
                sent_at=row.sent_at - timedelta(hours=hours, minutes=1)
            )
        )
    page = mailing_client.client.get(link)
    assert page.status_code == 400 and "Ce lien a expiré." in page.text
    assert subscriber(mailing_service, "late@example.net").status == "pending"


def test_one_confirmation_per_address_within_the_cooldown(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    first = _ask(mailing_client, "Often@Example.net")
    second = _ask(mailing_client, "often@example.net")
    assert first.status_code == second.status_code == 200
    assert smtp.recorder.wait_for(1) and len(smtp.recorder.messages) == 1
    assert len(_links(smtp, "Often@example.net")) == 1
    assert _answer(first.text, "Often@example.net") == _answer(second.text, "often@example.net")


def test_the_form_is_limited_per_client(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    for n in range(SUBSCRIBE_PER_CLIENT_HOUR):
        assert _ask(mailing_client, f"p{n}@example.net").status_code == 200
    refused = _ask(mailing_client, "one-more@example.net")
    assert refused.status_code == 400 and "Trop de demandes" in refused.text
    assert mailing_service.audience.find_subscriber("one-more@example.net") is None
    assert len(smtp.recorder.wait_for(SUBSCRIBE_PER_CLIENT_HOUR)) == SUBSCRIBE_PER_CLIENT_HOUR


@contextmanager
def _statements(service: Service) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (their text: parameters apart)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = service.ctx.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _answer(text: str, email: str) -> str:
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    return text.replace(email, "EMAIL")


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    mailing_service.audience.import_members(
        b"organisation;nom;email;statut\nAsbl;A;known@example.org;effectif\n", "d.csv"
    )
    assert subscriber(mailing_service, "known@example.org").status == "active"
    _ask(mailing_client, "waiting@example.org")  # pending, its cool-down forgotten
    _forget_cooldown(mailing_service, "waiting@example.org")
    answers, works = {}, {}
    for email in ("known@example.org", "unknown@example.org", "waiting@example.org"):
        mailing_client.get("/subscribe")
        with _statements(mailing_service) as seen:
            response = mailing_client.post("/subscribe", {"email": email, "consent": "yes"})
        assert response.status_code == 200
        answers[email] = _answer(response.text, email)
        works[email] = seen
    assert answers["known@example.org"] == answers["unknown@example.org"]
    assert answers["known@example.org"] == answers["waiting@example.org"]
    assert len(works["known@example.org"]) > 5
    assert works["known@example.org"] == works["unknown@example.org"]
    assert works["known@example.org"] == works["waiting@example.org"]
    # only the e-mail differs: nothing for the subscribed address
    assert len(_links(smtp, "unknown@example.org")) == 1
    assert len(_links(smtp, "waiting@example.org", 2)) == 2
    assert smtp.recorder.to("known@example.org") == []
    assert subscriber(mailing_service, "known@example.org").status == "active"
