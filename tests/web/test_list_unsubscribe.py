"""A mailing list's List-Unsubscribe link (one click, RFC 8058) leaves that list only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from newsletter import links
from newsletter.models import Language, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import ListOptOut, Subscriber


def test_the_list_link_leaves_only_that_list(service: Service, app_client: TestClient) -> None:
    with service.ctx.db.session() as session:
        member = Subscriber(email="m@example.org", email_key="m@example.org", groups=["logement"],
                            language=Language.fr, status=SubscriberStatus.active)  # fmt: skip
        session.add(member)
        session.flush()
        member_id = member.id
    url = links.list_unsubscribe_url(service.ctx.settings, member_id, "logement")
    path = url.removeprefix(service.ctx.settings.base_url)
    response = app_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with service.ctx.db.session() as session:
        left = session.scalars(select(ListOptOut.list_id).where(
            ListOptOut.subscriber_id == member_id)).all()  # fmt: skip
        assert left == ["logement"]
        assert session.get_one(Subscriber, member_id).status is SubscriberStatus.active
    everything = links.unsubscribe_url(service.ctx.settings, member_id)
    app_client.post(everything.removeprefix(service.ctx.settings.base_url))
    with service.ctx.db.session() as session:
        assert session.get_one(Subscriber, member_id).status is SubscriberStatus.unsubscribed
