"""Segment files: the rules, error reporting, exclusion, static subscribers."""

from __future__ import annotations

import random
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience import segments as segments_module
from newsletter.audience.departures import membership_on
from newsletter.audience.departures import today as local_today
from newsletter.audience.normalize import name_key
from newsletter.audience.segments import (
    Recipient,
    Segment,
    facts_of,
    iter_recipients,
    load_segments,
    parse_segment,
)
from newsletter.config import Settings
from newsletter.context import Context, open_context
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import ListOptOut, Organisation, Subscriber

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["adherents", "aide-alimentaire", "comite", "effectifs", "logement", "membres",
           "public", "sante-mentale"]  # fmt: skip


def test_shipped_lists_load_without_error() -> None:
    segments, errors = load_segments(ROOT / "lists")
    assert errors == []
    assert sorted(segments) == SHIPPED
    assert segments["comite"].title == {"fr": "Comité d'accompagnement", "nl": "Begeleidingscomité"}


def test_a_broken_file_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    shutil.copy(ROOT / "lists" / "membres.yaml", tmp_path)
    (tmp_path / "casse.yaml").write_text("title: {fr: A, nl: B}\nmatch: [oops\n")
    (tmp_path / "cle.yaml").write_text("title: {fr: A, nl: B}\nmatch: {couleur: bleu}\n")
    (tmp_path / "titre.yaml").write_text("title: Seulement un titre\n")
    (tmp_path / "statut.yaml").write_text("title: {fr: A, nl: B}\nmatch: {membership: vip}\n")
    segments, errors = load_segments(tmp_path)
    assert list(segments) == ["membres"]
    messages = {e.file: e.problem.render("fr") for e in errors}
    assert set(messages) == {"casse.yaml", "cle.yaml", "titre.yaml", "statut.yaml"}
    assert messages["casse.yaml"].startswith("YAML invalide (ligne")
    assert "couleur" in messages["cle.yaml"]
    assert "néerlandais" in messages["titre.yaml"]
    assert "vip" in messages["statut.yaml"]


def test_match_exclude_and_static_subscribers(settings: Settings, tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "logement-fr.yaml").write_text(
        "title: {fr: Logement FR, nl: Huisvesting FR}\n"
        "match: {groups: [logement, sante-mentale], language: français}\n"
        "exclude: {roles: comite}\n"
        "subscribers: [Invite@Example.net]\n"
    )
    ctx = open_context(settings.model_copy(update={"lists_dir": lists}))
    try:
        service = Service(ctx)
        service.audience.import_members(
            (
                "organisation;email;langue;groupes;roles\n"
                "A;a@example.org;fr;logement;\n"  # in
                "B;b@example.org;nl;logement;\n"  # wrong language
                "C;c@example.org;fr;santé mentale;comité\n"  # excluded by role
                "D;d@example.org;fr;;\n"  # no group
                ";invite@example.net;nl;;\n"  # static
            ).encode(),
            "l.csv",
        )
        emails = [r.email for r in service.audience.recipients(["logement-fr"])]
        assert emails == ["a@example.org", "invite@example.net"]
        infos, errors = service.audience.lists()
        assert errors == [] and infos[0].count == 2
    finally:
        ctx.close()


LISTS = {
    "logement": "match: {groups: [logement, sante-mentale], language: fr}\n"
    "exclude: {roles: comite}\nsubscribers: [Person3@Example.org, static@example.net]\n",
    "membres": "match: {membership: [effectif, adherent]}\n",
    "public": "match: {membership: none}\nexclude: {groups: aide}\n",
    "orga": "match: {organisation: [Org Deux, Org Quatre]}\n",
    "comite": "match: {roles: [comite, ca]}\nexclude: {organisation: Org Un}\n",
    "nl": "match: {language: nl}\nsubscribers: [person7@example.org]\n",
}


def _people(session: Session) -> None:
    """Organisations (one left yesterday, one leaves tomorrow) and subscribers with
    every mix of language, groups (none stored too), roles, status, opt-outs."""
    today = local_today()
    kinds = [Membership.full, Membership.associate, Membership.none, Membership.full]
    names = ["Org Un", "Org Deux", "Org Trois", "Org Quatre", "Org Cinq"]
    orgs = []
    for number, name in enumerate(names):
        left = {1: today - timedelta(days=1), 3: today + timedelta(days=1)}.get(number)
        org = Organisation(name=name, name_key=name_key(name),
                           membership=kinds[number % 4], left_on=left)  # fmt: skip
        session.add(org)
        orgs.append(org)
    session.flush()
    pick = random.Random(18)
    gone = SubscriberStatus.unsubscribed
    for number in range(400):
        groups = pick.sample(["logement", "sante-mentale", "aide"], pick.randint(0, 2))
        session.add(
            Subscriber(
                email=f"Person{number}@Example.org", email_key=f"person{number}@example.org",
                name=f"Personne {number}", language=pick.choice([Language.fr, Language.nl]),
                groups=None if number % 17 == 0 else groups,
                roles=pick.sample(["comite", "ca", "tresorier"], pick.randint(0, 1)),
                organisation_id=None if number % 5 == 0 else pick.choice(orgs).id,
                status=gone if number % 23 == 0 else SubscriberStatus.active,
            )
        )  # fmt: skip
    session.add(Subscriber(email="static@example.net", email_key="static@example.net",
                           language=Language.nl, groups=[], roles=[]))  # fmt: skip
    session.flush()
    for subscriber_id in range(1, 400, 7):
        session.add(ListOptOut(subscriber_id=subscriber_id, list_id=pick.choice(sorted(LISTS))))


def _expected(
    session: Session, segments: dict[str, Segment], list_ids: list[str]
) -> list[Recipient]:
    """The recipients by the rules applied to each subscriber's objects, one by one."""
    chosen = [segments[list_id] for list_id in list_ids]
    left: dict[int, set[str]] = {}
    for optout in session.scalars(select(ListOptOut)):
        left.setdefault(optout.subscriber_id, set()).add(optout.list_id)
    out = []
    query = select(Subscriber).where(Subscriber.status == SubscriberStatus.active)
    for subscriber in session.scalars(query.order_by(Subscriber.id)):
        org = subscriber.organisation
        facts = facts_of(subscriber, org)
        if any(
            segment.id not in left.get(subscriber.id, set())
            and segment.contains(facts, subscriber.email_key)
            for segment in chosen
        ):
            out.append(Recipient(subscriber.id, subscriber.email, subscriber.name,
                                 subscriber.language.value,
                                 membership_on(org, local_today()).value,
                                 org.name if org else ""))  # fmt: skip
    return out


def test_recipients_are_the_rules_applied_to_each_subscriber(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = {
        list_id: parse_segment(list_id, "title: {fr: T, nl: T}\n" + text)
        for list_id, text in LISTS.items()
    }
    with ctx.db.session() as session:
        _people(session)
    choices = [[list_id] for list_id in LISTS] + [
        ["logement", "membres"], ["public", "orga", "nl"], ["comite", "logement", "nl"], list(LISTS)
    ]  # fmt: skip
    for kept in (segments_module.PROFILES_KEPT, 1):  # the rules matched again past the cap
        monkeypatch.setattr(segments_module, "PROFILES_KEPT", kept)
        with ctx.db.session() as session:
            for list_ids in choices:
                found = list(iter_recipients(session, segments, list_ids))
                expected = _expected(session, segments, list_ids)
                assert found == expected, list_ids
                assert len(expected) > 5
