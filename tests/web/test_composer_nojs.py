"""Without JavaScript no button of the composer throws typed input away: each one submits
the whole composer form to its own action, which saves the fields first."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from newsletter.service import Service
from tests.content.sample import PDF
from tests.web.conftest import Browser


class Buttons(HTMLParser):
    """The submit buttons inside ``<main>``: the form each belongs to, and its action."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.form: str | None = None
        self.buttons: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "form" and self.in_main:
            self.form = found.get("id") or found.get("action") or "?"
        elif tag in ("button", "input", "select", "textarea") and self.in_main:
            owner = found.get("form") or self.form
            row = {**found, "owner": owner}
            if tag == "button" and found.get("type", "submit") == "submit":
                self.buttons.append(row)
            elif tag != "button" and found.get("type") not in ("hidden", "submit"):
                self.inputs.append(row)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "main":
            self.in_main = False


def _draft(service: Service) -> int:
    for title in ("Repair café", "Permanence logement"):
        item = service.editorial.submit_news(title=title, body="Texte.")
        service.moderation.moderate(item.id, "approve", by="test")
    return service.editorial.draft_issue(title="Lettre d'hiver").id


def _typed(browser: Browser, issue_id: int) -> dict[str, str | list[str]]:
    """What a person typed in the composer, never saved, as a browser posts it."""
    browser.get(f"/console/issues/{issue_id}")
    return {
        "composer": "1", "title": "Lettre d'hiver (tapée)",
        "introduction": "Bonjour à toutes et à tous.", "lists": ["membres"], "public": "yes",
        "title_nl": "Winterbrief", "introduction_nl": "Dag allemaal.",
        "email": "coordination@example.org", "lang": "fr", "membership": "effectif",
        "label": "", "at": "",
    }  # fmt: skip


def _saved(service: Service, issue_id: int) -> None:
    detail = service.console.issue_detail(issue_id)
    assert detail.row.title == "Lettre d'hiver (tapée)"
    assert detail.introduction == "Bonjour à toutes et à tous."
    assert detail.row.lists == ["membres"]
    assert detail.texts["nl"] == {"title": "Winterbrief", "introduction": "Dag allemaal."}


def test_every_button_of_the_composer_sends_the_whole_form(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    service.editorial.add_issue_annex(issue_id, ("plan.pdf", "application/pdf", PDF), "")
    page = console.get(f"/console/issues/{issue_id}")
    parsed = Buttons()
    parsed.feed(page.text)
    assert len(parsed.buttons) >= 8  # save, ↑ ↓ remove, add, annex, test, duplicate…
    # the AG, block and annex-audience sections still post their own small forms (with
    # JavaScript the composer is saved before them; without, they keep their own fields)
    own_forms = re.compile(r"/console/issues/\d+/(assemblies|blocks(/\d+)?|annexes/\d+/audience)$")
    strays = [b for b in parsed.buttons
              if b["owner"] != "texts-form" and not own_forms.search(str(b["owner"]))]  # fmt: skip
    assert strays == [], f"buttons outside the composer form lose what was typed: {strays}"
    actions = {b.get("formaction") or "/texts" for b in parsed.buttons}
    assert {f"/console/issues/{issue_id}/{end}" for end in ("items", "annexes", "test",
            "duplicate")} <= actions  # fmt: skip
    fields = [i for i in parsed.inputs if i["owner"] != "texts-form"]
    assert [i for i in fields if not own_forms.search(str(i["owner"]))] == []


def test_moving_an_item_saves_what_was_typed_first(service: Service, console: Browser) -> None:
    issue_id = _draft(service)
    first = service.console.issue_detail(issue_id).entries[0].news_id
    response = console.post(
        f"/console/issues/{issue_id}/items", {**_typed(console, issue_id), "item": f"down:{first}"}
    )
    assert response.status_code == 303
    _saved(service, issue_id)
    entries = service.console.issue_detail(issue_id).entries
    assert [e.news_id for e in entries][1] == first


def test_adding_an_annex_saves_what_was_typed_first(service: Service, console: Browser) -> None:
    issue_id = _draft(service)
    data = {**_typed(console, issue_id), "csrf_token": console.token}
    response = console.client.post(
        f"/console/issues/{issue_id}/annexes", data=data,
        files={"file": ("programme.pdf", PDF, "application/pdf")},
    )  # fmt: skip
    assert response.status_code == 303
    _saved(service, issue_id)
    assert [label for _id, label, _f in service.console.issue_detail(issue_id).annexes] == [
        "programme.pdf"
    ]
    # the same button without a file: a clear message, and still nothing typed is lost
    data["introduction"] = "Bonjour à toutes et à tous."
    data["title"] = "Lettre d'hiver (tapée)"
    empty = console.client.post(
        f"/console/issues/{issue_id}/annexes", data=data,
        files={"file": ("", b"", "application/octet-stream")},
    )  # fmt: skip
    assert empty.status_code == 303
    _saved(service, issue_id)
    flash = console.get(f"/console/issues/{issue_id}").text
    assert "Choisissez d&#39;abord un fichier." in flash


def test_a_test_send_and_a_duplicate_save_first(service: Service, console: Browser) -> None:
    issue_id = _draft(service)
    # without an address the test is refused, but what was typed is kept
    refused = console.post(f"/console/issues/{issue_id}/test", {**_typed(console, issue_id),
                                                                "email": ""})  # fmt: skip
    assert refused.status_code == 303
    _saved(service, issue_id)
    copy = console.post(
        f"/console/issues/{issue_id}/duplicate",
        {**_typed(console, issue_id), "introduction": "Bonjour à toutes et à tous."},
    )
    new_id = int(copy.headers["location"].rsplit("/", 1)[1])
    assert new_id != issue_id
    assert service.console.issue_detail(new_id).introduction == "Bonjour à toutes et à tous."


def test_a_bare_action_changes_nothing_else(service: Service, console: Browser) -> None:
    issue_id = _draft(service)
    console.get(f"/console/issues/{issue_id}")
    first = service.console.issue_detail(issue_id).entries[0].news_id
    response = console.post(
        f"/console/issues/{issue_id}/items", {"news_id": str(first), "action": "remove"}
    )
    assert response.status_code == 303
    detail = service.console.issue_detail(issue_id)
    assert detail.row.title == "Lettre d'hiver" and first not in [e.news_id for e in detail.entries]
    bad = console.post(f"/console/issues/{issue_id}/items", {"item": "up:abc"})
    assert bad.status_code == 303 and service.console.issue_detail(issue_id).row.title == (
        "Lettre d'hiver"
    )


def test_the_labels_of_the_annexes_are_saved_with_any_button(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    annex = service.editorial.add_issue_annex(
        issue_id, ("plan.pdf", "application/pdf", PDF), "Plan"
    ).annex_ids[0]
    first = service.console.issue_detail(issue_id).entries[0].news_id
    typed = {**_typed(console, issue_id), f"annex_label_{annex}_fr": "Plan d'accès",
             f"annex_label_{annex}_nl": "Toegangsplan", "item": f"down:{first}"}  # fmt: skip
    assert console.post(f"/console/issues/{issue_id}/items", typed).status_code == 303
    _saved(service, issue_id)
    labels = service.console.issue_detail(issue_id).annex_labels[annex]
    assert labels == {"fr": "Plan d'accès", "nl": "Toegangsplan"}
    typed[f"annex_label_{annex}_nl"] = "Plattegrond"
    del typed["item"]
    saved = console.post(f"/console/issues/{issue_id}/annexes/{annex}/labels", typed)
    assert saved.status_code == 303
    assert service.console.issue_detail(issue_id).annex_labels[annex]["nl"] == "Plattegrond"
