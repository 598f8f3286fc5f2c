"""A fixture network and issue: fictitious organisations, news, two AGs with a PV."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from newsletter.audience.normalize import name_key
from newsletter.config import Settings
from newsletter.editorial.assemblies import attach_minutes, create_assembly
from newsletter.editorial.issues import draft_issue
from newsletter.editorial.news_status import transition_news
from newsletter.editorial.translate import set_assembly_version, set_issue_version, translate_news
from newsletter.intake.news import submit_news
from newsletter.models import Language, Membership, NewsSource, NewsStatus
from newsletter.service.audience import SubscriberView
from newsletter.store.audience import Organisation
from newsletter.store.delivery import Delivery, Send

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n% minutes of the assembly\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def add_organisation(session: Session, name: str, membership: Membership) -> Organisation:
    organisation = Organisation(name=name, name_key=name_key(name), membership=membership)
    session.add(organisation)
    session.flush()
    return organisation


def build_sample(session: Session, settings: Settings, extra_items: int = 0) -> int:
    """Three approved items (French and Dutch, Dutch only, French only), one pending, two
    AGs; the issue and the coming AG have both versions of their title; returns the
    issue id."""
    add_organisation(session, "Maison de quartier Exemple", Membership.full)
    add_organisation(session, "Huis van het Voorbeeld", Membership.associate)
    approved = [
        submit_news(
            session,
            settings,
            title="Permanence logement : nouveaux horaires",
            body="La permanence **logement** ouvre désormais le mardi.\n\n"
            "- accueil sans rendez-vous\n- aide aux démarches\n\n"
            "Infos : [site de la maison](https://quartier.example.org/logement).",
            organisation_name="maison de quartier exemple",
            sender="accueil@quartier.example.org",
            category="actualite",
            link="https://quartier.example.org/logement",
            attachments=[("Flyer permanence été.pdf", "application/pdf", PDF)],
            image=("permanence.png", "image/png", PNG),
            image_alt="La façade de la maison de quartier",
        ),
        submit_news(
            session,
            settings,
            title="Infoavond over energiepremies",
            body="Een avond over **energiepremies** voor huurders.",
            organisation_name="Huis van het Voorbeeld",
            category="agenda",
            language=Language.nl,
            event_start=datetime(2026, 12, 3, 18, 30, tzinfo=UTC),
            event_place="Voorbeeldstraat 12, 1000 Brussel",
            source=NewsSource.email,
        ),
        submit_news(
            session,
            settings,
            title="Offre d'emploi : travailleur social (h/f/x)",
            body="<p>Contrat <em>CDI</em> à mi-temps.</p><script>alert(1)</script>",
            body_format="html",
            organisation_name="Maison de quartier Exemple",
            category="emploi",
        ),
    ]
    for index in range(extra_items):
        approved.append(
            submit_news(
                session,
                settings,
                title=f"Actualité numéro {index + 4}",
                body="Un paragraphe de texte d'exemple avec un [lien](https://example.org/a). " * 6
                + "\n\n- point un\n- point deux\n",
                organisation_name="Maison de quartier Exemple",
                category=settings.categories[index % len(settings.categories)],
            )
        )
    translate_news(
        settings,
        approved[0],
        "nl",
        title="Huisvestingspermanentie: nieuwe uren",
        body="De **huisvestingspermanentie** is voortaan op dinsdag open.\n\n"
        "- onthaal zonder afspraak\n- hulp bij de stappen\n\n"
        "Info: [website van het huis](https://quartier.example.org/logement).",
        image_alt="De gevel van het buurthuis",
        link_text="Meer over de permanentie",
    )
    for item in approved:
        transition_news(item, NewsStatus.approved, actor="coordination@example.org")
    submit_news(session, settings, title="Encore en attente", body="Pas encore relu.")

    previous = create_assembly(
        session,
        settings,
        title="AG de septembre",
        starts_at=datetime(2026, 9, 15, 16, 0, tzinfo=UTC),
        place="Salle polyvalente, rue de l'Exemple 1, 1000 Bruxelles",
        agenda=["Accueil"],
    )
    attach_minutes(session, previous, "PV AG septembre 2026.pdf", PDF)
    coming = create_assembly(
        session,
        settings,
        title="Assemblée générale de décembre",
        starts_at=datetime(2026, 12, 10, 13, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, 16, 30, tzinfo=UTC),
        place="Salle polyvalente, rue de l'Exemple 1, 1000 Bruxelles",
        agenda=["Rapport d'activités", "Budget 2027"],
        speakers=[{"name": "Une intervenante", "organisation": "Huis van het Voorbeeld"}],
        theme="Logement et énergie",
    )
    set_assembly_version(
        settings,
        coming,
        "nl",
        title="Algemene vergadering van december",
        agenda=["Activiteitenverslag", "Begroting 2027"],
        previous=previous,
    )
    issue = draft_issue(
        session,
        settings,
        title="Lettre d'information de novembre",
        introduction="Bonne lecture ! Ce numéro annonce l'**AG de décembre**.",
        lists=["membres"],
        now=NOW,
    )
    set_issue_version(
        issue,
        "nl",
        title="Nieuwsbrief van november",
        introduction="Veel leesplezier! Dit nummer kondigt de **AV van december** aan.",
    )
    return issue.id


def build_sent_sample(
    session: Session,
    settings: Settings,
    deliveries: Sequence[tuple[SubscriberView, dict[str, Any]]],
) -> int:
    """``build_sample``'s issue sent to the members: one delivery for each person, with
    these fields (status, last_reply, reply_note…); returns the issue id."""
    issue_id = build_sample(session, settings)
    send = Send(issue_id=issue_id, lists=["membres"], total=len(deliveries))
    session.add(send)
    session.flush()
    for person, fields in deliveries:
        session.add(
            Delivery(send_id=send.id, issue_id=issue_id, subscriber_id=person.id,
                     email=person.email, name=person.name, **fields)
        )  # fmt: skip
    return issue_id
