"""An issue's life after composing: back to draft, duplicate, edit in one go, test sends.

The rules of the statuses are in ``editorial.issue_status``; here each action is one
transaction, for every door (console, CLI).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email import message_from_bytes
from email.policy import default

from sqlalchemy import delete, func, select

from newsletter.context import Context
from newsletter.delivery import outbox
from newsletter.editorial import issue_status, issues
from newsletter.errors import ValidationError
from newsletter.i18n import N_, known_language
from newsletter.intake import news
from newsletter.models import DeliveryStatus as D
from newsletter.models import Membership
from newsletter.render.mime import fold
from newsletter.service.editorial import EditorialService
from newsletter.service.notices import NoticesService
from newsletter.service.results import IssueSummary
from newsletter.store.delivery import Delivery, Send
from newsletter.store.editorial import Assembly

#: the mark of a test message's subject
TEST_PREFIX = "[TEST] "
#: at most this many addresses in one test send
MAX_TEST_ADDRESSES = 20
#: deliveries in these states never left: a paused send with only these goes back to draft
_NOT_DELIVERED = (D.queued, D.skipped)


class IssueLifeService:
    def __init__(self, ctx: Context, editorial: EditorialService, notices: NoticesService) -> None:
        self.ctx = ctx
        self.editorial = editorial
        self.notices = notices

    def back_to_draft(self, issue_id: int) -> IssueSummary:
        """Unschedule a scheduled issue (planned time and lists kept), or take back a
        paused send that delivered nothing yet (its unsent snapshot is dropped)."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            delivered = 0
            if send is not None:
                delivered = int(
                    session.scalar(
                        select(func.count())
                        .select_from(Delivery)
                        .where(Delivery.send_id == send.id, Delivery.status.not_in(_NOT_DELIVERED))
                    )
                    or 0
                )
            issue_status.back_to_draft(issue, delivered=delivered)
            if send is not None:
                session.execute(delete(Delivery).where(Delivery.send_id == send.id))
                session.execute(delete(Send).where(Send.id == send.id))
            session.flush()
            return IssueSummary.of(issue)

    def duplicate(self, issue_id: int) -> IssueSummary:
        """A new draft from any issue (a sent one too): same texts, items, AGs, annexes
        and lists."""
        with self.ctx.db.session() as session:
            copy = issues.duplicate_issue(session, issues.get_issue(session, issue_id))
            return IssueSummary.of(copy)

    def edit(
        self,
        issue_id: int,
        *,
        title: str | None = None,
        introduction: str | None = None,
        add_news: Sequence[int] = (),
        remove_news: Sequence[int] = (),
        add_assemblies: Sequence[int] = (),
        remove_assemblies: Sequence[int] = (),
        assembly_minutes: Mapping[int, int | None] | None = None,
    ) -> IssueSummary:
        """Several changes to a draft at once: all of them, or none. ``assembly_minutes``:
        AG of the issue → the AG whose PV goes with it (None: no PV)."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.require_editable(issue)
            issues.set_texts(issue, title=title, introduction=introduction)
            for news_id in remove_news:
                if all(link.news_id != news_id for link in issue.items):
                    raise ValidationError(N_("News item {id} is not in this issue."), id=news_id)
                issues.remove_item(session, issue, news_id)
            for news_id in add_news:
                issues.add_item(session, issue, news.get_news(session, news_id))
            for assembly_id in remove_assemblies:
                issues.remove_assembly(session, issue, assembly_id)
            for assembly_id in add_assemblies:
                assembly = session.get(Assembly, assembly_id)
                if assembly is None:
                    raise ValidationError(N_("No assembly with id {id}."), id=assembly_id)
                issues.add_assembly(session, issue, assembly)
            session.flush()
            for assembly_id, source_id in (assembly_minutes or {}).items():
                issues.set_minutes(session, issue, assembly_id, source_id)
            return IssueSummary.of(issue)

    # --- tests ---------------------------------------------------------------------------
    @staticmethod
    def parse_addresses(text: str | Sequence[str]) -> list[str]:
        """Addresses separated by commas, semicolons, spaces or lines; each checked."""
        parts = [text] if isinstance(text, str) else list(text)
        found: list[str] = []
        for part in parts:
            for raw in part.replace(";", ",").replace("\n", ",").replace(" ", ",").split(","):
                address = raw.strip()
                if not address:
                    continue
                local, at, domain = address.rpartition("@")
                if not at or not local or "." not in domain or any(c in address for c in "<>\r\t"):
                    raise ValidationError(N_("Invalid e-mail address: {email}"), email=address)
                if address.lower() not in (a.lower() for a in found):
                    found.append(address)
        if not found:
            raise ValidationError(N_("Give at least one address for the test."))
        if len(found) > MAX_TEST_ADDRESSES:
            raise ValidationError(N_("At most {n} addresses for one test."), n=MAX_TEST_ADDRESSES)
        return found

    def send_test(
        self,
        issue_id: int,
        to: str | Sequence[str],
        *,
        language: str = "fr",
        membership: Membership | str = Membership.full,
    ) -> list[str]:
        """The exact message of a reader of that language and membership, its subject
        marked "[TEST] ", to each address; returns the addresses."""
        addresses = self.parse_addresses(to)
        try:
            kind = Membership(membership)
        except ValueError as error:
            raise ValidationError(
                N_("Unknown membership: {value}"), value=str(membership)
            ) from error
        lang = known_language(language)
        for address in addresses:
            result = self.editorial.preview(
                issue_id, language=lang, membership=kind.value, email=address
            )
            self.notices.send_raw(mark_test(result.eml), address)
        return addresses


def mark_test(eml: bytes) -> bytes:
    """The message with "[TEST] " before its subject (the rest byte for byte)."""
    head, sep, body = eml.partition(b"\r\n\r\n")
    subject = str(message_from_bytes(head + sep, policy=default).get("Subject", ""))
    lines = head.split(b"\r\n")
    kept: list[bytes] = []
    skipping = False
    for line in lines:
        if line[:8].lower() == b"subject:":
            skipping = True
            kept.append(fold("Subject", TEST_PREFIX + subject).rstrip(b"\r\n"))
            continue
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = False
        kept.append(line)
    return b"\r\n".join(kept) + sep + body
