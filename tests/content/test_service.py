"""``service.editorial``: the calls the web console and the CLI make, one transaction each."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.errors import InvalidTransitionError, ValidationError
from newsletter.models import NewsStatus
from newsletter.service import Service


def test_queue_issue_and_preview_through_the_service(service: Service, tmp_path: Path) -> None:
    editorial = service.editorial
    first = editorial.submit_news(title="Un", body="Texte **un**", organisation="ASBL Exemple")
    second = editorial.submit_news(title="Deux", body="<p>Texte deux</p>", body_format="html",
                                   category="formation")  # fmt: skip
    third = editorial.submit_news(title="Trois", body="Texte trois", body_format="text")
    service.moderation.moderate(first.id, "approve", by="coord@example.org")
    service.moderation.moderate(second.id, "approve", by="coord@example.org")
    asked = service.moderation.moderate(
        third.id, "changes", reason="Précisez la date", by="coord@example.org"
    )
    assert asked.status == "changes_requested" and asked.status_reason == "Précisez la date"
    history = editorial.news_history(third.id)
    assert [(h.from_, h.to, h.actor) for h in history] == [
        ("", "pending", ""), ("pending", "changes_requested", "coord@example.org")
    ]  # fmt: skip
    assert [n.id for n in editorial.list_news(NewsStatus.approved)] == [
        first.id,
        second.id,
    ]

    issue = editorial.draft_issue(title="Numéro test", lists=["membres"])
    assert issue.items == [first.id, second.id] and issue.lists == ["membres"]
    moved = editorial.move_issue_item(issue.id, second.id, 0)
    assert moved.items == [second.id, first.id]
    edited = editorial.edit_issue(issue.id, introduction="Bonne lecture", title="Nouveau")
    assert edited.title == "Nouveau"
    with_annex = editorial.add_issue_annex(issue.id, ("Programme.pdf", "application/pdf", b"%PDF"))
    assert with_annex.annexes == ["Programme.pdf"]
    with pytest.raises(ValidationError):
        editorial.add_issue_item(issue.id, third.id)  # not approved

    result = editorial.preview(issue.id, language="nl", membership="none")
    assert "Bonne lecture" in result.html and "Nouveau" in result.text
    assert b"Programme.pdf" in result.eml
    paths = editorial.write_preview(issue.id, tmp_path / "out", language="fr")
    assert [p.name for p in paths] == ["issue.eml", "issue.html", "issue.txt"]

    prepared = editorial.prepare(issue.id)
    assert prepared.variant("fr", "none") is prepared.variant("fr", "effectif")  # no AG: one block
    removed = editorial.remove_issue_item(issue.id, first.id)
    assert removed.items == [second.id]


def test_issue_edits_refused_once_sending(service: Service) -> None:
    from newsletter.editorial.issue_status import transition_issue
    from newsletter.editorial.issues import get_issue
    from newsletter.models import IssueStatus

    issue = service.editorial.draft_issue()
    assert issue.title == "Lettre d'information n° 1"
    with service.ctx.db.session() as session:
        transition_issue(get_issue(session, issue.id), IssueStatus.scheduled)
    with pytest.raises(InvalidTransitionError):
        service.editorial.edit_issue(issue.id, title="Trop tard")
