"""Fixtures of the general-assembly tests: a small network and an AG in 20 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsletter.service import Service

#: three full members (one of them Dutch-speaking), one associate, one reader without
#: an organisation
DIRECTORY = (
    "organisation;nom;email;statut;langue;groupes\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;\n"
    "Maison de quartier Exemple;Social;social@maison.example.org;effectif;fr;\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl;\n"
    "Centre Exemple;Direction;direction@centre.example.org;effectif;fr;\n"
    "Atelier Exemple;Atelier;atelier@atelier.example.org;adherent;fr;\n"
    ";Lectrice;lectrice@example.net;;nl;\n"
)


def add_network(service: Service) -> dict[str, int]:
    """Import the directory; returns subscriber ids by e-mail."""
    service.audience.import_members(DIRECTORY.encode(), "network.csv")
    return {s.email: s.id for s in service.audience.list_subscribers()}


def add_assembly(service: Service, days: int = 20) -> int:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    created = service.editorial.create_assembly(
        title="AG de printemps",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        place="Salle Exemple, rue de l'Exemple 1, Bruxelles",
        agenda=["Rapport d'activités"],
    )
    return created.id


@pytest.fixture
def people(service: Service) -> dict[str, int]:
    return add_network(service)


@pytest.fixture
def assembly_id(service: Service, people: dict[str, int]) -> int:
    return add_assembly(service)


def rsvp_path(service: Service, assembly_id: int, subscriber_id: int) -> str:
    return service.rsvp.url(assembly_id, subscriber_id).removeprefix(service.ctx.settings.base_url)
