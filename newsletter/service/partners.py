"""Personal submission links of member organisations: make, verify, revoke.

A link is a signed token carrying the organisation id and a generation counter kept
in ``partner_links``; revoking bumps the counter, so every older link stops working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from newsletter import links
from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.store.access import PartnerLink
from newsletter.store.audience import Organisation
from newsletter.store.base import utcnow
from newsletter.tokens import verify


@dataclass(frozen=True)
class PartnerOrganisation:
    id: int
    name: str
    membership: str
    generation: int
    link_sent_at: datetime | None
    link_sent_to: str


class PartnerLinksService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _generation(self, organisation_id: int) -> int:
        with self.ctx.db.session() as session:
            row = session.get(PartnerLink, organisation_id)
            return row.generation if row else 0

    def url(self, organisation_id: int) -> str:
        """The current personal link of an organisation."""
        with self.ctx.db.session() as session:
            if session.get(Organisation, organisation_id) is None:
                raise NotFoundError(N_("Unknown organisation {id}."), id=organisation_id)
        return links.partner_form_url(
            self.ctx.settings, organisation_id, self._generation(organisation_id)
        )

    def revoke(self, organisation_id: int) -> str:
        """Invalidate every link given so far; returns the new link."""
        with self.ctx.db.session() as session:
            if session.get(Organisation, organisation_id) is None:
                raise NotFoundError(N_("Unknown organisation {id}."), id=organisation_id)
            row = session.get(PartnerLink, organisation_id)
            if row is None:
                row = PartnerLink(organisation_id=organisation_id, generation=0, sent_to="")
                session.add(row)
            row.generation += 1
            row.revoked_at = utcnow()
            row.sent_at = None
            row.sent_to = ""
            generation = row.generation
        return links.partner_form_url(self.ctx.settings, organisation_id, generation)

    def mark_sent(self, organisation_id: int, recipients: list[str]) -> None:
        with self.ctx.db.session() as session:
            row = session.get(PartnerLink, organisation_id)
            if row is None:
                row = PartnerLink(organisation_id=organisation_id, generation=0)
                session.add(row)
            row.sent_at = utcnow()
            row.sent_to = ", ".join(recipients)

    def organisation_for(self, token: str) -> PartnerOrganisation:
        """The organisation a personal link belongs to; ValidationError when revoked."""
        payload = verify(self.ctx.settings, links.PARTNER, token)
        try:
            organisation_id, generation = int(payload["o"]), int(payload["g"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError(N_("This link is not valid.")) from error
        found = [o for o in self.organisations([organisation_id])]
        if not found or found[0].generation != generation:
            raise ValidationError(
                N_("This link is no longer valid. Ask the coordination for a new one.")
            )
        return found[0]

    def organisations(self, ids: list[int] | None = None) -> list[PartnerOrganisation]:
        """Organisations with the state of their personal link, by name."""
        with self.ctx.db.session() as session:
            query = (
                select(Organisation, PartnerLink)
                .outerjoin(PartnerLink, PartnerLink.organisation_id == Organisation.id)
                .order_by(Organisation.name_key)
            )
            if ids is not None:
                query = query.where(Organisation.id.in_(ids))
            return [
                PartnerOrganisation(
                    id=org.id,
                    name=org.name,
                    membership=org.membership.value,
                    generation=link.generation if link else 0,
                    link_sent_at=link.sent_at if link else None,
                    link_sent_to=link.sent_to if link else "",
                )
                for org, link in session.execute(query)
            ]
