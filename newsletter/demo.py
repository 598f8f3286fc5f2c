"""A fictitious demo network: member organisations, people, news, an AG, an account.

Every name and address is invented (``example.org``). Loaded by ``newsletter demo``
into an empty database; does nothing when the directory already has organisations.
"""

from __future__ import annotations

from newsletter.service import Service

DEMO_EMAIL = "coordination@example.org"
DEMO_PASSWORD = "demo-coordination"  # noqa: S105  (public demo account, documented)

#: organisation, contact name, e-mail, membership, language, working groups, roles
PEOPLE = [
    (
        "Maison de quartier Exemple",
        "Équipe accueil",
        "accueil@maison-exemple.example.org",
        "effectif",
        "fr",
        "aide-alimentaire",
        "comite",
    ),
    (
        "Maison de quartier Exemple",
        "Service social",
        "social@maison-exemple.example.org",
        "effectif",
        "fr",
        "logement",
        "",
    ),
    (
        "Épicerie solidaire du Canal",
        "Coordination épicerie",
        "contact@epicerie-canal.example.org",
        "effectif",
        "fr",
        "aide-alimentaire",
        "",
    ),
    (
        "Buurthuis Voorbeeld",
        "Onthaal",
        "onthaal@buurthuis-voorbeeld.example.org",
        "effectif",
        "nl",
        "aide-alimentaire,logement",
        "comite",
    ),
    (
        "Centre de santé mentale Horizon",
        "Secrétariat",
        "secretariat@horizon.example.org",
        "adherent",
        "fr",
        "sante-mentale",
        "",
    ),
    (
        "Wijkgezondheidscentrum Exemplaar",
        "Team",
        "team@wgc-exemplaar.example.org",
        "adherent",
        "nl",
        "sante-mentale",
        "",
    ),
    (
        "Régie de quartier des Deux Parcs",
        "Direction",
        "direction@deux-parcs.example.org",
        "effectif",
        "fr",
        "logement",
        "",
    ),
    (
        "Collectif Logement Exemple",
        "Permanence",
        "permanence@logement-exemple.example.org",
        "adherent",
        "fr",
        "logement",
        "",
    ),
]
DIRECTORY = "organisation;nom;email;statut;langue;groupes;roles\n" + "".join(
    ";".join(row) + "\n" for row in PEOPLE
)


def load_demo(service: Service) -> bool:
    """Fill an empty database with the demo network; False when it already had data."""
    service.accounts.create(DEMO_EMAIL, DEMO_PASSWORD, name="Coordination", language="fr")
    if service.audience.organisations():
        return False
    service.audience.import_members(DIRECTORY.encode("utf-8"), "demo.csv")
    return True
