"""A fictitious demo network: member organisations, people, news, an AG, an account.

Every name and address is invented (``example.org``). Loaded by ``newsletter demo``
into an empty database; does nothing when the directory already has organisations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.models import NewsSource
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


NEWS: list[dict[str, Any]] = [
    {
        "organisation": "Maison de quartier Exemple",
        "sender": "accueil@maison-exemple.example.org",
        "title": "Repair café du samedi",
        "category": "agenda",
        "body": "Venez **réparer** vos objets avec nos bénévoles : vélos, petits appareils, "
        "vêtements.\n\nGratuit, sans inscription.",
        "days": 12,
        "place": "Maison de quartier Exemple, rue de l'Exemple 1, 1000 Bruxelles",
        "status": "approved",
        "other": {
            "title": "Repair Café op zaterdag",
            "body": "Kom uw spullen **herstellen** met onze vrijwilligers: fietsen, kleine "
            "toestellen, kleding.\n\nGratis, zonder inschrijving.",
            "event_place": "Buurthuis Exemple, Voorbeeldstraat 1, 1000 Brussel",
        },
    },
    {
        # French only: Dutch-speaking readers get it with the note saying so
        "organisation": "Collectif Logement Exemple",
        "sender": "permanence@logement-exemple.example.org",
        "title": "Permanence logement : nouvel horaire",
        "category": "actualite",
        "body": "La permanence logement a lieu désormais le **mercredi de 14 h à 17 h**, "
        "sans rendez-vous.",
        "status": "approved",
    },
    {
        "organisation": "Épicerie solidaire du Canal",
        "sender": "contact@epicerie-canal.example.org",
        "title": "L'épicerie cherche des bénévoles",
        "category": "actualite",
        "body": "Nous cherchons des bénévoles pour l'accueil du mardi et du jeudi matin.",
        "status": "pending",
        "other": {
            "title": "De kruidenier zoekt vrijwilligers",
            "body": "We zoeken vrijwilligers voor het onthaal op dinsdag- en donderdagochtend.",
        },
    },
    {
        "organisation": "Buurthuis Voorbeeld",
        "sender": "onthaal@buurthuis-voorbeeld.example.org",
        "title": "Vacature: maatschappelijk werker (halftijds)",
        "category": "emploi",
        "body": "Het Buurthuis Voorbeeld zoekt een maatschappelijk werker (m/v/x), halftijds.",
        "language": "nl",
        "status": "pending",
        "other": {
            "title": "Offre d'emploi : assistant·e social·e (mi-temps)",
            "body": "Le Buurthuis Voorbeeld cherche un·e assistant·e social·e (h/f/x), à mi-temps.",
        },
    },
]


def _minutes_pdf(title: str) -> bytes:
    """A one-page PDF standing for the minutes (PV) of a past AG."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def load_demo(service: Service) -> bool:
    """Fill an empty database with the demo network; False when it already holds the
    demo. A database with other data (another account, organisations without the demo
    account) is refused: the demo's public password never opens a real console."""
    emails = {account.email.lower() for account in service.accounts.list()}
    if emails == {DEMO_EMAIL}:
        return False
    if emails or service.audience.organisations():
        raise ValidationError(
            N_("This database already holds data: the demo only fills an empty one. "
               "Give it another DATA_DIR.")
        )  # fmt: skip
    service.accounts.create(DEMO_EMAIL, DEMO_PASSWORD, name="Coordination", language="fr")
    service.audience.import_members(DIRECTORY.encode("utf-8"), "demo.csv")
    zone = ZoneInfo(service.ctx.settings.timezone)
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    for news in NEWS:
        start = today + timedelta(days=int(news["days"]), hours=10) if "days" in news else None
        item = service.editorial.submit_news(
            title=str(news["title"]),
            body=str(news["body"]),
            organisation=str(news["organisation"]),
            sender=str(news["sender"]),
            category=str(news["category"]),
            source=NewsSource.form,
            language=str(news.get("language", "fr")),
            event_start=start,
            event_end=start + timedelta(hours=4) if start else None,
            event_place=str(news.get("place", "")),
            other=news.get("other"),
        )
        if news["status"] == "approved":
            service.moderation.moderate(item.id, "approve", by=DEMO_EMAIL)
    past = service.editorial.create_assembly(
        title="AG précédente",
        starts_at=today - timedelta(days=60, hours=-18),
        ends_at=today - timedelta(days=60, hours=-21),
        place="Salle Exemple, rue de l'Exemple 10, 1000 Bruxelles",
        agenda=["Approbation du PV de l'AG précédente", "Rapport d'activités", "Divers"],
        texts={"nl": {"title": "Vorige algemene vergadering",
                      "place": "Zaal Exemple, Voorbeeldstraat 10, 1000 Brussel",
                      "agenda": ["Goedkeuring van het verslag van de vorige AV",
                                 "Activiteitenverslag", "Varia"]}},
    )  # fmt: skip
    minutes = _minutes_pdf("PV de l'AG précédente (exemple)")
    service.editorial.attach_minutes(past.id, "PV-AG-precedente.pdf", minutes)
    service.editorial.create_assembly(
        title="Prochaine assemblée générale",
        theme="L'accès au logement",
        starts_at=today + timedelta(days=30, hours=18),
        ends_at=today + timedelta(days=30, hours=21),
        place="Salle Exemple, rue de l'Exemple 10, 1000 Bruxelles",
        agenda=[
            "Approbation du PV de l'AG précédente",
            "Présentation du GT Logement",
            "Élection au Comité d'accompagnement",
            "Divers",
        ],
        speakers=[{"name": "Équipe du GT Logement", "organisation": "Collectif Logement Exemple"}],
        texts={"nl": {"title": "Volgende algemene vergadering",
                      "theme": "De toegang tot huisvesting",
                      "place": "Zaal Exemple, Voorbeeldstraat 10, 1000 Brussel",
                      # the approval of the previous PV comes first by itself
                      "agenda": ["Voorstelling van de WG Huisvesting",
                                 "Verkiezing voor het Begeleidingscomité", "Varia"],
                      "speakers": [{"name": "Team van de WG Huisvesting",
                                    "organisation": "Collectif Logement Exemple"}]}},
    )  # fmt: skip
    # the next issue, written in both languages: the approved news, the coming AG and
    # the previous PV
    service.editorial.draft_issue(
        title="Lettre d'information de la coordination",
        introduction="Voici les nouvelles du réseau et "
        "l'invitation à notre prochaine assemblée générale. Bonne lecture !",
        lists=["membres"],
        texts={"nl": {"title": "Nieuwsbrief van de coördinatie",
                      "introduction": "Hier is het nieuws van het netwerk "
                      "en de uitnodiging voor onze volgende algemene vergadering. "
                      "Veel leesplezier!"}},
    )  # fmt: skip
    return True
