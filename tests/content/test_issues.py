"""Issue composition: sections in category order, upcoming AGs, PV annex, draft-only edits."""

from __future__ import annotations

import pytest

from newsletter.context import Context
from newsletter.editorial.issue_status import transition_issue
from newsletter.editorial.issues import (
    add_annex,
    draft_issue,
    get_issue,
    move_item,
    remove_item,
    set_texts,
)
from newsletter.errors import InvalidTransitionError
from newsletter.models import IssueStatus, NewsStatus
from tests.content.sample import NOW


def test_draft_groups_approved_items_and_takes_upcoming_ag(ctx: Context, issue_id: int) -> None:
    with ctx.db.session() as session:
        issue = get_issue(session, issue_id)
        assert issue.number == 1
        assert [(link.section, link.news.title) for link in issue.items] == [
            ("actualite", "Permanence logement : nouveaux horaires"),
            ("agenda", "Infoavond over energiepremies"),
            ("emploi", "Offre d'emploi : travailleur social (h/f/x)"),
        ]
        assert [link.assembly.title for link in issue.assemblies] == [
            "Assemblée générale de décembre"
        ]
        assert issue.assembly_id == issue.assemblies[0].assembly_id
        assert [annex.file.filename for annex in issue.annexes] == ["PV AG septembre 2026.pdf"]
        # a second draft does not take the items again, and has the next number
        second = draft_issue(session, ctx.settings, now=NOW)
        assert second.number == 2 and second.items == []


def test_only_a_draft_is_editable_and_sending_publishes(ctx: Context, issue_id: int) -> None:
    with ctx.db.session() as session:
        issue = get_issue(session, issue_id)
        first, second = issue.items[0].news_id, issue.items[1].news_id
        move_item(session, issue, second, 0)
        assert [link.news_id for link in sorted(issue.items, key=lambda row: row.position)][:2] == [
            second,
            first,
        ]
        remove_item(session, issue, first)
        assert first not in [link.news_id for link in issue.items]
        add_annex(session, issue, ("Programme.pdf", "application/pdf", b"%PDF prog"), "Programme")
        set_texts(issue, title="Nouveau titre", introduction="Intro")
        transition_issue(issue, IssueStatus.sending)
        with pytest.raises(InvalidTransitionError):
            set_texts(issue, title="Trop tard")
        transition_issue(issue, IssueStatus.sent)
        assert {link.news.status for link in issue.items} == {NewsStatus.published}
        assert issue.items[0].news.events[-1].to_status == "published"
