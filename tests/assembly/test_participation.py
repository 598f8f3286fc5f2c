"""Answers with proxies, the organisation's answer, closing time, quorum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsletter.errors import ValidationError
from newsletter.models import RsvpChoice
from newsletter.service import Service
from tests.assembly.conftest import rsvp_path
from tests.web.conftest import Browser

MAISON = "accueil@maison.example.org"
MAISON_2 = "social@maison.example.org"
BUURTHUIS = "onthaal@buurthuis.example.org"
CENTRE = "direction@centre.example.org"
ATELIER = "atelier@atelier.example.org"
READER = "lectrice@example.net"


def test_a_proxy_counts_the_represented_organisation_towards_the_quorum(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    # three full members: the quorum (simple majority) is 2
    before = service.assemblies.status(assembly_id)
    assert before.quorum.effectifs == 3 and before.quorum.required == 2
    assert not before.quorum.reached
    service.rsvp.answer_for(assembly_id, MAISON, RsvpChoice.yes, people=2)
    alone = service.assemblies.status(assembly_id)
    assert (alone.quorum.voting_present, alone.quorum.voting_represented) == (1, 0)
    assert not alone.quorum.reached
    target = service.rsvp.answer_for(
        assembly_id, BUURTHUIS, RsvpChoice.proxy, proxy_to="Maison de quartier Exemple"
    )
    assert target.organisation_choice == "proxy"
    assert target.organisation_proxy_to == "Maison de quartier Exemple"
    status = service.assemblies.status(assembly_id)
    assert (status.quorum.voting_present, status.quorum.voting_represented) == (1, 1)
    assert status.quorum.reached
    assert status.as_json() == {
        "answered": 2, "not_answered": 2, "people": 2, "organisations": 1,
        "voting_present": 1, "voting_represented": 1, "quorum": 2, "quorum_reached": True,
    }  # fmt: skip
    assert [s.name for s in status.not_answered] == ["Atelier Exemple", "Centre Exemple"]


def test_a_second_proxy_for_the_same_holder_is_refused(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    service.rsvp.answer_for(assembly_id, MAISON, RsvpChoice.yes)
    service.rsvp.answer_for(
        assembly_id, BUURTHUIS, RsvpChoice.proxy, proxy_to="Maison de quartier Exemple"
    )
    with pytest.raises(ValidationError) as refused:
        service.rsvp.answer_for(
            assembly_id, CENTRE, RsvpChoice.proxy, proxy_to="maison de quartier exemple"
        )
    assert "Maison de quartier Exemple" in refused.value.localized("fr")
    assert "autant de procurations" in refused.value.localized("fr")
    assert "volmachten" in refused.value.localized("nl")
    # the same organisation may change its mind: its proxy is not counted twice
    service.rsvp.answer_for(
        assembly_id, BUURTHUIS, RsvpChoice.proxy, proxy_to="Maison de quartier Exemple"
    )
    # the coordinator allows two proxies per organisation at this AG
    service.assemblies.set_rules(assembly_id, proxy_limit=2)
    service.rsvp.answer_for(
        assembly_id, CENTRE, RsvpChoice.proxy, proxy_to="Maison de quartier Exemple"
    )
    status = service.assemblies.status(assembly_id)
    assert (status.quorum.voting_present, status.quorum.voting_represented) == (1, 2)


def test_only_full_members_give_and_hold_proxies(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    with pytest.raises(ValidationError) as associate:
        service.rsvp.answer_for(assembly_id, ATELIER, RsvpChoice.proxy, proxy_to="Centre Exemple")
    assert "membres effectifs" in associate.value.localized("fr")
    with pytest.raises(ValidationError):
        service.rsvp.answer_for(assembly_id, READER, RsvpChoice.proxy, proxy_to="Centre Exemple")
    with pytest.raises(ValidationError) as holder:
        service.rsvp.answer_for(assembly_id, CENTRE, RsvpChoice.proxy, proxy_to="Atelier Exemple")
    assert "Atelier Exemple" in holder.value.localized("fr")
    with pytest.raises(ValidationError):
        service.rsvp.answer_for(
            assembly_id, MAISON, RsvpChoice.proxy, proxy_to="Maison de quartier Exemple"
        )
    with pytest.raises(ValidationError):
        service.rsvp.answer_for(assembly_id, MAISON, RsvpChoice.proxy)


def test_several_people_of_one_organisation_and_a_closing_time(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    service.rsvp.answer_for(assembly_id, MAISON, RsvpChoice.yes, people=2)
    target = service.rsvp.answer_for(assembly_id, MAISON_2, RsvpChoice.yes, people=1)
    assert target.organisation_choice == "yes" and target.organisation_people == 3
    status = service.assemblies.status(assembly_id)
    assert (status.people, status.organisations) == (3, 1)
    # answers change until the closing time, not after
    service.rsvp.answer_for(assembly_id, MAISON_2, RsvpChoice.no)
    assert service.assemblies.status(assembly_id).people == 2
    service.assemblies.set_rules(assembly_id, closes_at=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(ValidationError) as closed:
        service.rsvp.answer_for(assembly_id, MAISON_2, RsvpChoice.yes)
    assert "clôturées" in closed.value.localized("fr")


def test_rsvp_page_gives_a_proxy_and_shows_the_organisation_answer(
    service: Service, browser: Browser, people: dict[str, int], assembly_id: int
) -> None:
    service.rsvp.answer_for(assembly_id, MAISON, RsvpChoice.yes)
    service.rsvp.answer_for(
        assembly_id, CENTRE, RsvpChoice.proxy, proxy_to="Maison de quartier Exemple"
    )
    path = rsvp_path(service, assembly_id, people[BUURTHUIS])
    page = browser.get(path)
    assert 'value="proxy"' in page.text
    by_name = {s.name: s for s in service.assemblies.status(assembly_id).standings}
    holder = by_name["Maison de quartier Exemple"]
    refused = browser.post(path, {"answer": "proxy", "proxy_to": str(holder.organisation_id)})
    assert refused.status_code == 400
    assert "Maison de quartier Exemple" in refused.text
    centre = by_name["Centre Exemple"]
    # Centre gave its own proxy away: it cannot hold one
    again = browser.post(path, {"answer": "proxy", "proxy_to": str(centre.organisation_id)})
    assert again.status_code == 400
    accepted = browser.post(path, {"answer": "yes", "people": "2"})
    assert accepted.status_code == 303
    colleague = browser.get(rsvp_path(service, assembly_id, people[MAISON_2]))
    assert 'id="organisation-answer"' in colleague.text
    assert "votre organisation vient" in colleague.text
    associate = browser.get(rsvp_path(service, assembly_id, people[ATELIER]))
    assert 'value="proxy"' not in associate.text
