"""An issue's revision changes with every change its rendering reads — from the composer,
the CLI, or an edit of one of its news items or AGs elsewhere — and the composer's preview
check, kept per revision, is made again after each of them."""

from __future__ import annotations

from collections.abc import Callable

from newsletter.editorial.revision import issue_revision
from newsletter.models import NewsStatus
from newsletter.service import Service
from tests.content.sample import PDF


def _revision(service: Service, issue_id: int) -> str:
    with service.ctx.db.session() as session:
        return issue_revision(session, issue_id)


def _edits(service: Service, issue_id: int) -> list[tuple[str, Callable[[], object]]]:
    editorial, content = service.editorial, service.issue_content
    detail = service.console.issue_detail(issue_id)
    news_id = detail.entries[0].news_id
    coming = content.content(issue_id).assemblies[0].id
    spare = editorial.submit_news(title="Encore une nouvelle", body="Un texte.")
    service.moderation.moderate(spare.id, "approve", by="coordination@example.org")
    state: dict[str, int] = {}

    def add_annex() -> None:
        editorial.add_issue_annex(issue_id, ("Annexe.pdf", "application/pdf", PDF), "Annexe")
        annexes = service.console.issue_detail(issue_id).annexes
        state["annex"] = max(annex_id for annex_id, _label, _file in annexes)

    def add_block() -> None:
        state["block"] = content.add_block(issue_id, "text", texts={"fr": {"body": "Bonjour"}})

    return [
        ("title", lambda: editorial.edit_issue(issue_id, title="Un autre titre")),
        ("Dutch title", lambda: editorial.edit_issue(issue_id, texts={"nl": {"title": "Titel"}})),
        ("lists", lambda: editorial.edit_issue(issue_id, lists=["public"])),
        ("bilingual", lambda: editorial.edit_issue(issue_id, bilingual=True)),
        ("item added", lambda: editorial.add_issue_item(issue_id, spare.id)),
        ("item moved", lambda: editorial.move_issue_item(issue_id, spare.id, 0)),
        ("item removed", lambda: editorial.remove_issue_item(issue_id, spare.id)),
        (
            "news edited elsewhere",
            lambda: editorial.translate_news(
                news_id, "nl", title="Nieuwe titel", body="Een tekst."
            ),
        ),
        ("AG edited elsewhere", lambda: editorial.edit_assembly(coming, place="Ailleurs")),
        ("no PV", lambda: content.set_minutes(issue_id, coming, None)),
        ("AG removed", lambda: content.remove_assembly(issue_id, coming)),
        ("AG added", lambda: content.add_assembly(issue_id, coming)),
        ("annex added", add_annex),
        (
            "annex label",
            lambda: editorial.set_annex_label(issue_id, state["annex"], "nl", "Bijlage"),
        ),
        ("annex audience", lambda: content.set_annex_audience(issue_id, state["annex"], "members")),
        ("annex removed", lambda: editorial.remove_issue_annex(issue_id, state["annex"])),
        ("block added", add_block),
        (
            "block edited",
            lambda: content.update_block(
                issue_id, state["block"], texts={"fr": {"body": "Bonsoir"}}
            ),
        ),
        ("block placed", lambda: content.update_block(issue_id, state["block"], place="end")),
        ("block removed", lambda: content.remove_block(issue_id, state["block"])),
    ]


def test_every_change_gives_another_revision(service: Service, issue_id: int) -> None:
    previous = _revision(service, issue_id)
    for what, edit in _edits(service, issue_id):
        edit()
        revision = _revision(service, issue_id)
        assert revision != previous, what
        previous = revision


def test_reading_the_issue_keeps_its_revision(service: Service, issue_id: int) -> None:
    before = _revision(service, issue_id)
    service.console.issue_detail(issue_id)
    service.issue_content.content(issue_id)
    service.editorial.preview(issue_id, language="nl")
    assert service.issue_content.preview_problem(issue_id) is None
    assert _revision(service, issue_id) == before
    # another issue's change leaves it alone
    other = service.editorial.draft_issue(title="Une autre lettre", lists=["public"])
    service.editorial.edit_issue(other.id, title="Encore une autre")
    assert _revision(service, issue_id) == before
    # a news item of the queue that is not in the issue neither
    queued = service.editorial.submit_news(title="En attente", body="Pas relue.")
    assert service.editorial.get_news(queued.id).status == NewsStatus.pending.value
    assert _revision(service, issue_id) == before


def test_an_edit_makes_the_preview_check_again(service: Service, issue_id: int) -> None:
    checks = service.issue_content._checks
    assert service.issue_content.preview_problem(issue_id) is None
    kept = checks[issue_id]
    assert kept[0] == _revision(service, issue_id)
    assert service.issue_content.preview_problem(issue_id) is None
    assert checks[issue_id] is kept  # unchanged issue: the check kept is used
    service.editorial.edit_issue(issue_id, introduction="Une autre introduction.")
    assert service.issue_content.preview_problem(issue_id) is None
    assert checks[issue_id] is not kept
    assert checks[issue_id][0] == _revision(service, issue_id) != kept[0]
