"""The right of access and the right to erasure, from the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from newsletter.models import DeliveryStatus
from newsletter.service import Service
from newsletter.store.delivery import Delivery, Send
from tests.content.sample import build_sample
from tests.support.cli import Cli

DIRECTORY = (
    "organisation;nom;email;statut\n"
    "ASBL A;Ann;ann@example.org;effectif\nASBL A;Bob;bob@example.org;effectif\n"
)


def test_export_then_erase_keeps_anonymised_counts(cli: Cli, service: Service) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    ann = service.audience.find_subscriber("ann@example.org")
    bob = service.audience.find_subscriber("bob@example.org")
    assert ann is not None and bob is not None
    service.audience.unsubscribe("ann@example.org", list_id="logement", source="preferences")
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
        send = Send(issue_id=issue_id, lists=["membres"], total=2)
        session.add(send)
        session.flush()
        for person in (ann, bob):
            session.add(Delivery(send_id=send.id, issue_id=issue_id, subscriber_id=person.id,
                                 email=person.email, name=person.name,
                                 status=DeliveryStatus.sent, last_reply="250 ok"))  # fmt: skip

    exported = cli("subscribers", "export-data", "ann@example.org")
    assert exported.code == 0, exported.err
    data = exported.json()
    assert data["person"]["email"] == "ann@example.org"
    assert data["organisation"]["membership"] == "effectif"
    assert data["consent"]["source"] == "import:a.csv" and data["consent"]["at"]
    assert data["lists_left"] == ["logement"]
    assert [d["status"] for d in data["deliveries"]] == ["sent"]

    assert cli("subscribers", "erase", "ann@example.org", "--yes").code == 0
    assert service.audience.find_subscriber("ann@example.org") is None
    assert service.audience.find_subscriber("bob@example.org") is not None
    with service.ctx.db.session() as session:
        rows = session.scalars(select(Delivery).where(Delivery.issue_id == issue_id)).all()
        assert len(rows) == 2  # the report of the send still counts two
        assert sorted(r.email for r in rows) == ["", "bob@example.org"]
        assert all(r.subscriber_id != ann.id for r in rows)
    again = cli("subscribers", "export-data", "ann@example.org")
    assert again.code == 1 and "Aucun abonné" in again.err
