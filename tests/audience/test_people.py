"""People and organisations one by one and by selection (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from newsletter.errors import NotFoundError, ValidationError
from newsletter.models import InboundOutcome, NewsSource, NewsStatus
from newsletter.service import Service
from newsletter.service.person_form import PersonForm
from newsletter.store.access import PartnerLink
from newsletter.store.editorial import NewsEvent, NewsItem
from newsletter.store.intake import InboundMessage
from tests.support.cli import Cli

DIRECTORY = (
    "organisation;nom;email;statut;groupes\n"
    "ASBL A;Ann;ann@example.org;effectif;logement\n"
    "ASBL A;Bob;bob@example.org;effectif;\n"
    "Buurthuis B;Cas;cas@example.org;adherent;\n"
    ";Dora;dora@example.org;;\n"
)


def _lists(service: Service) -> dict[str, int]:
    return {info.id: info.count for info in service.audience.lists()[0]}


def test_add_change_address_and_find_by_the_old_one(service: Service) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    added = service.people.add("Eve@Example.org",
                               PersonForm(name="Eve", organisation="asbl a", groups="logement"),
                               by="coordination@example.org", source="console")  # fmt: skip
    assert added.status == "active" and added.organisation == "ASBL A"
    assert added.consent_source == "console" and added.consent_at is not None
    with pytest.raises(ValidationError):
        service.people.add("eve@example.org", by="x", source="console")
    with pytest.raises(ValidationError):
        service.people.add("not an address", by="x", source="console")
    with pytest.raises(NotFoundError):
        service.people.add("new@example.org", PersonForm(organisation="Nowhere"), by="x",
                           source="cli")  # fmt: skip

    moved = service.people.change_email(added.id, "eve@new.example.org", by="console: c")
    assert moved.email == "eve@new.example.org"
    with pytest.raises(ValidationError):  # the address of someone else
        service.people.change_email(added.id, "ANN@example.org", by="console: c")
    detail = service.people.detail(added.id)
    assert [p.email for p in detail.past_addresses] == ["Eve@example.org"]
    assert detail.past_addresses[0].changed_by == "console: c"
    assert [(e.previous, e.status, e.actor) for e in detail.consent] == [
        ("pending", "active", "coordination@example.org")
    ]
    found = service.people.search("eve@example")  # the old address finds the person
    assert [p.email for p in found.items] == ["eve@new.example.org"]
    assert service.audience.find_subscriber("eve@example.org") is None
    exported = service.audience.export_person("eve@new.example.org")
    assert exported["past_addresses"][0]["email"] == "Eve@example.org"


def test_search_filters_and_pages(service: Service) -> None:
    rows = ["organisation;nom;email;statut"] + [
        f"Org {i % 3};Personne {i};p{i:03}@example.org;{'effectif' if i % 3 else 'adherent'}"
        for i in range(120)
    ]
    service.audience.import_members("\n".join(rows).encode(), "big.csv")
    service.audience.unsubscribe("p005@example.org")
    first = service.people.search(page=1, per_page=50)
    assert first.total == 120 and first.pages == 3 and len(first.items) == 50
    last = service.people.search(page=9, per_page=50)  # past the end: the last page
    assert last.page == 3 and len(last.items) == 20
    assert service.people.search("org 1").total == 40
    assert service.people.search("personne 11").total == 11  # 11, 110..119
    assert [p.email for p in service.people.search(status="unsubscribed").items] == [
        "p005@example.org"
    ]
    effectifs = service.people.search(list_id="effectifs")
    assert effectifs.total == 80 - 1  # p005 unsubscribed is no recipient
    assert service.people.search("100%_").total == 0  # LIKE wildcards are plain text
    with pytest.raises(ValidationError):
        service.people.search(status="nonsense")
    with pytest.raises(NotFoundError):
        service.people.search(list_id="no-such-list")


def test_reactivating_someone_who_unsubscribed_takes_a_reason(cli: Cli, service: Service) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    service.audience.unsubscribe("bob@example.org", source="one-click")
    refused = cli("subscribers", "reactivate", "bob@example.org")
    assert refused.code == 1 and "raison" in refused.err.casefold()
    assert service.audience.find_subscriber("bob@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    done = cli("subscribers", "reactivate", "bob@example.org", "--reason",
               "asked by phone on 3 March")  # fmt: skip
    assert done.code == 0, done.err
    bob = service.audience.find_subscriber("bob@example.org")
    assert bob is not None and bob.status == "active"
    events = service.people.detail(bob.id).consent
    assert events[0].reason == "asked by phone on 3 March" and events[0].source == "cli"
    assert events[1].status == "unsubscribed" and events[1].source == "one-click"
    assert bob.consent_source == "cli"
    # blocking and back needs no reason
    service.people.set_status(bob.id, "blocked", by="c", source="console")
    assert service.people.set_status(bob.id, "active", by="c", source="console").status == "active"


def test_cli_add_change_email_and_organisation(cli: Cli, service: Service) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    added = cli("subscribers", "add", "fay@example.org", "--name", "Fay", "--org", "Buurthuis B",
                "--language", "nl", "--json")  # fmt: skip
    assert added.code == 0, added.err
    assert added.json()["organisation"] == "Buurthuis B" and added.json()["language"] == "nl"
    assert cli("subscribers", "add", "fay@example.org").code == 1
    changed = cli("subscribers", "change-email", "fay@example.org", "fay@b.example.org")
    assert changed.code == 0, changed.err
    assert cli("subscribers", "change-email", "fay@example.org", "x@example.org").code == 1
    assert _lists(service)["adherents"] == 2
    org = cli("members", "organisation", "buurthuis b", "--membership", "effectif", "--json")
    assert org.code == 0, org.err
    assert org.json()["membership"] == "effectif" and org.json()["subscribers"] == 2
    assert _lists(service)["adherents"] == 0
    assert cli("members", "organisation", "Buurthuis B", "--membership", "gold").code == 1
    assert cli("members", "organisation", "Nowhere").code == 1


def test_organisation_edit_attach_detach(service: Service) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    org = service.audience.find_organisation("ASBL A")
    assert org is not None
    before = _lists(service)
    view = service.people.update_organisation(
        org.id, name="ASBL A — Maison", membership="adherent", sector="Santé",
        website="https://a.example.org",
    )  # fmt: skip
    assert (view.name, view.membership, view.sector) == ("ASBL A — Maison", "adherent", "Santé")
    after = _lists(service)
    assert after["effectifs"] == before["effectifs"] - 2
    assert after["adherents"] == before["adherents"] + 2
    with pytest.raises(ValidationError):
        service.people.update_organisation(org.id, name="buurthuis b", membership="none")
    with pytest.raises(ValidationError):
        service.people.update_organisation(org.id, name="A", membership="gold")
    with pytest.raises(ValidationError):
        service.people.update_organisation(org.id, name="A", membership="none",
                                           website="javascript:alert(1)")  # fmt: skip
    service.people.attach(org.id, "dora@example.org")
    assert len(service.people.organisation(org.id).people) == 3
    dora = service.audience.find_subscriber("dora@example.org")
    assert dora is not None
    service.people.detach(org.id, dora.id)
    with pytest.raises(ValidationError):
        service.people.detach(org.id, dora.id)
    assert [p.email for p in service.people.organisation(org.id).people] == [
        "ann@example.org", "bob@example.org",
    ]  # fmt: skip


def test_bulk_groups_export_and_erase(service: Service) -> None:
    service.audience.import_members((DIRECTORY + ";Evil;=cmd@example.org;;\n").encode(), "a.csv")
    ids = [p.id for p in service.people.search().items]
    result = service.people.bulk(ids[:3], "add_group", "Santé mentale")
    assert result.changed == 3
    assert service.people.bulk(ids[:3], "add_group", "sante-mentale").changed == 0
    assert service.people.bulk(ids, "remove_group", "logement").changed == 1
    with pytest.raises(ValidationError):
        service.people.bulk(ids, "add_group", "")
    with pytest.raises(ValidationError):
        service.people.bulk([], "add_role", "comite")
    with pytest.raises(ValidationError):
        service.people.bulk(ids, "drop_table", "x")
    data = service.people.export_selection(ids).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert rows[0][:3] == ["email", "name", "organisation"]
    assert "'=cmd@example.org" in [row[0] for row in rows]  # formula-safe
    assert service.people.bulk(ids[:2], "erase").changed == 2
    assert service.people.search().total == len(ids) - 2


def test_erase_cleans_the_intake_records(service: Service) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    ann = service.audience.find_subscriber("ann@example.org")
    assert ann is not None and ann.organisation_id is not None
    service.people.change_email(ann.id, "ann@new.example.org", by="cli")
    with service.ctx.db.session() as session:
        news = NewsItem(organisation_id=ann.organisation_id, organisation_name="ASBL A",
                        sender="Ann@Example.org", title="Fête", body_html="<p>x</p>",
                        source=NewsSource.email, status=NewsStatus.approved)  # fmt: skip
        session.add(news)
        session.flush()
        session.add(NewsEvent(news_id=news.id, to_status="approved", actor="ann@example.org"))
        session.add(InboundMessage(source="file", sender="ann@example.org", subject="Fête",
                                   message_id="<m1@example.org>", dedupe_key="k1", sha256="0",
                                   outcome=InboundOutcome.item, news_id=news.id,
                                   raw=b"From: ann@example.org", size=21))  # fmt: skip
        session.add(InboundMessage(source="file", sender="mailer-daemon@example.org",
                                   subject="Undelivered", dedupe_key="k2", sha256="1",
                                   outcome=InboundOutcome.bounce, raw=b"To: ann@new.example.org",
                                   bounces=[{"recipient": "ann@new.example.org",
                                             "hard": True}]))  # fmt: skip
        session.add(PartnerLink(organisation_id=ann.organisation_id, generation=0,
                                sent_to="ann@new.example.org, bob@example.org"))  # fmt: skip
    exported = service.audience.export_person("ann@new.example.org")
    assert [n["title"] for n in exported["news_sent"]] == ["Fête"]
    assert [m["subject"] for m in exported["emails_sent"]] == ["Fête"]
    with pytest.raises(ValidationError):
        service.people.erase(ann.id, confirmation="bob@example.org")
    service.people.erase(ann.id, confirmation=" ANN@new.example.org ")
    with service.ctx.db.session() as session:
        item = session.scalars(select(NewsItem)).one()
        assert item.title == "Fête" and item.sender == ""  # the news stays, without its sender
        assert session.scalars(select(NewsEvent.actor)).all() == [""]
        mails = {m.dedupe_key: m for m in session.scalars(select(InboundMessage))}
        assert mails["k1"].sender == "" and mails["k1"].raw == b"" and mails["k1"].subject == ""
        assert mails["k1"].news_id == item.id  # the record stays: counts, no second reading
        assert mails["k2"].raw == b"" and mails["k2"].bounces == [{"recipient": "", "hard": True}]
        assert session.get(PartnerLink, ann.organisation_id).sent_to == "bob@example.org"  # type: ignore[union-attr]
    assert service.people.search("ann").total == 0
