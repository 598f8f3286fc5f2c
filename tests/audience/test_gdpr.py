"""The right of access and the right to erasure, from the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from newsletter.context import Context
from newsletter.delivery import notes
from newsletter.links import click_person, click_url
from newsletter.models import DeliveryStatus
from newsletter.service import Service
from newsletter.store.delivery import Delivery
from tests.content.sample import build_sent_sample
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
    sent = {"status": DeliveryStatus.sent, "last_reply": "250 ok"}
    with service.ctx.db.session() as session:
        issue_id = build_sent_sample(session, service.ctx.settings, [(ann, sent), (bob, sent)])

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


MEMBERS = (
    "organisation;nom;email;statut;langue\n"
    "ASBL A;Ann;ann@example.org;effectif;fr\nBuurthuis B;Noor;noor@example.org;effectif;nl\n"
)


def test_export_has_the_links_followed_and_the_delivery_notes_translated(
    cli: Cli, service: Service
) -> None:
    """The links the person followed (recorded only with individual click tracking) and
    what the sender noted about each delivery, in the person's language."""
    service.audience.import_members(MEMBERS.encode(), "m.csv")
    ann = service.audience.find_subscriber("ann@example.org")
    noor = service.audience.find_subscriber("noor@example.org")
    assert ann is not None and noor is not None
    settings = service.ctx.settings
    failed = {"status": DeliveryStatus.failed_temporary, "last_reply": "451 later"}
    with service.ctx.db.session() as session:
        issue_id = build_sent_sample(session, settings, [
            (ann, {**failed, "reply_note": notes.GAVE_UP, "reply_note_params": {"attempts": 3}}),
            (noor, {**failed, "reply_note": notes.NOT_BUILT,
                    "reply_note_params": {"error": "<b>x</b>"}}),
        ])  # fmt: skip

    def follow(service: Service, url: str, person: int) -> None:
        token = click_url(settings, issue_id, url).rsplit("/r/", 1)[1]
        service.clicks.follow(token + click_person(settings, issue_id, person))

    counting = _with(service, click_counting=True)
    individual = _with(service, click_counting=True, click_tracking_individual=True)
    follow(counting, "https://quartier.example.org/avant", ann.id)  # nobody recorded
    follow(individual, "https://quartier.example.org/logement", ann.id)
    follow(individual, "https://quartier.example.org/agenda", ann.id)
    follow(individual, "https://quartier.example.org/buurt", noor.id)

    exported = cli("subscribers", "export-data", "ann@example.org")
    assert exported.code == 0, exported.err
    data = exported.json()
    assert [d["note"] for d in data["deliveries"]] == ["abandon après 3 tentatives"]
    assert [(c["issue_id"], c["url"]) for c in data["clicks"]] == [
        (issue_id, "https://quartier.example.org/logement"),
        (issue_id, "https://quartier.example.org/agenda"),
    ]
    assert all(c["at"] for c in data["clicks"])
    dutch = cli("subscribers", "export-data", "noor@example.org").json()
    assert [d["note"] for d in dutch["deliveries"]] == [
        "het bericht kon niet worden opgemaakt (<b>x</b>)"
    ]
    assert [c["url"] for c in dutch["clicks"]] == ["https://quartier.example.org/buurt"]
    # in another language when asked (the console's page, in the coordinator's)
    assert [d["note"] for d in service.audience.export_person("noor@example.org", "fr")[
        "deliveries"]] == ["le message n'a pas pu être composé (<b>x</b>)"]  # fmt: skip

    # without individual tracking nothing is recorded, so nothing is exported
    assert cli("subscribers", "erase", "noor@example.org", "--yes").code == 0
    service.audience.import_members(MEMBERS.encode(), "m.csv")
    again = service.audience.find_subscriber("noor@example.org")
    assert again is not None
    follow(counting, "https://quartier.example.org/buurt", again.id)
    assert service.audience.export_person("noor@example.org")["clicks"] == []


def _with(service: Service, **update: bool) -> Service:
    ctx = service.ctx
    return Service(Context(settings=ctx.settings.model_copy(update=update), db=ctx.db))
