"""Without JavaScript no button of the composer throws typed input away: each one submits
the whole composer form to its own action, which saves the fields first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
    issue_id, _past, coming = _assemblies(service)
    annex = service.editorial.add_issue_annex(
        issue_id, ("plan.pdf", "application/pdf", PDF), ""
    ).annex_ids[-1]
    block = service.issue_content.add_block(issue_id, "button", texts={"fr": {"label": "Ici"}},
                                            url="https://example.org/")  # fmt: skip
    page = console.get(f"/console/issues/{issue_id}")
    parsed = Buttons()
    parsed.feed(page.text)
    assert len(parsed.buttons) >= 8  # save, ↑ ↓ remove, add, annex, test, duplicate…
    strays = [b for b in parsed.buttons if b["owner"] != "texts-form"]
    assert strays == [], f"buttons outside the composer form lose what was typed: {strays}"
    actions = {b.get("formaction") or "/texts" for b in parsed.buttons}
    assert {f"/console/issues/{issue_id}/{end}" for end in ("items", "annexes", "test",
            "duplicate", "assemblies", f"assemblies/{coming}", "blocks", f"blocks/{block}",
            f"annexes/{annex}/audience")} <= actions  # fmt: skip
    assert [i for i in parsed.inputs if i["owner"] != "texts-form"] == []
    names = [str(i.get("name")) for i in parsed.inputs if i.get("type") not in ("checkbox",)]
    assert len(names) == len(set(names)), "two fields of the composer share a name"


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


def _assemblies(service: Service) -> tuple[int, int, int]:
    """A draft with news and an upcoming AG, and a past AG with a PV: (issue, past, coming)."""
    now = datetime.now(UTC)
    past = service.editorial.create_assembly(
        title="AG d'automne", starts_at=now - timedelta(days=60), place="Salle"
    )
    service.editorial.attach_minutes(past.id, "PV automne.pdf", PDF)
    coming = service.editorial.create_assembly(
        title="AG d'hiver", starts_at=now + timedelta(days=20), place="Salle"
    )
    return _draft(service), past.id, coming.id


def test_the_ag_buttons_save_what_was_typed_first(service: Service, console: Browser) -> None:
    issue_id, past, coming = _assemblies(service)
    url = f"/console/issues/{issue_id}"
    assert service.editorial.get_issue(issue_id).assemblies == [coming]
    # the PV of the past AG with the coming one, from the whole form
    typed = {**_typed(console, issue_id), f"minutes_from_{coming}": str(past),
             "assembly_id": str(past), "action": "minutes"}  # fmt: skip
    assert console.post(f"{url}/assemblies/{coming}", typed).status_code == 303
    _saved(service, issue_id)
    chosen = {ag.id: ag.minutes_from for ag in service.issue_content.content(issue_id).assemblies}
    assert chosen == {coming: past}
    # the past AG added with the form's "add" button
    typed = {**_typed(console, issue_id), "assembly_id": str(past), "action": "add"}
    assert console.post(f"{url}/assemblies", typed).status_code == 303
    _saved(service, issue_id)
    assert sorted(service.editorial.get_issue(issue_id).assemblies) == sorted([past, coming])
    # removing an AG
    service.editorial.edit_issue(issue_id, title="Lettre d'hiver", introduction="")
    typed = {**_typed(console, issue_id), f"minutes_from_{coming}": str(past),
             f"minutes_from_{past}": "none", "action": "remove"}  # fmt: skip
    assert console.post(f"{url}/assemblies/{coming}", typed).status_code == 303
    _saved(service, issue_id)
    assert service.editorial.get_issue(issue_id).assemblies == [past]


def test_adding_and_changing_a_block_saves_what_was_typed_first(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    url = f"/console/issues/{issue_id}"
    typed = {**_typed(console, issue_id), "kind": "text",
             "new_text_body_fr": "Le mot de la **coordination**.", "new_text_body_nl": "",
             "new_text_place": "end", "new_text_audience": "members",
             "new_button_label_fr": "Aussi ce bouton", "new_button_url": "https://example.org/",
             "new_button_place": "introduction", "new_button_audience": "all"}  # fmt: skip
    answer = console.post(f"{url}/blocks", typed)
    assert answer.status_code == 303 and "#block-" in answer.headers["location"]
    _saved(service, issue_id)
    # the button typed into on the way is kept too, as a block of its own
    block, kept = sorted(
        service.issue_content.content(issue_id).blocks, key=lambda b: b.kind != "text"
    )
    assert (kept.kind, kept.texts["fr"]["label"]) == ("button", "Aussi ce bouton")
    service.issue_content.remove_block(issue_id, kept.id)
    assert (block.kind, block.place, block.audience) == ("text", "end", "members")
    assert block.texts["fr"]["body"] == "Le mot de la **coordination**."
    # saving the block from the whole form: its own fields, the composer's first
    service.editorial.edit_issue(issue_id, title="Lettre d'hiver", introduction="")
    typed = {**_typed(console, issue_id), "action": "save",
             f"block_{block.id}_body_fr": "Le mot de la coordination.",
             f"block_{block.id}_body_nl": "Het woord van de coördinatie.",
             f"block_{block.id}_place": "introduction", f"block_{block.id}_audience": "all",
             "new_text_body_fr": "", "new_text_place": "end",
             "new_text_audience": "all"}  # fmt: skip
    assert console.post(f"{url}/blocks/{block.id}", typed).status_code == 303
    _saved(service, issue_id)
    (block,) = service.issue_content.content(issue_id).blocks
    assert block.languages == ["fr", "nl"] and block.place == "introduction"
    assert block.audience == "all"
    # removing it
    service.editorial.edit_issue(issue_id, title="Lettre d'hiver", introduction="")
    typed = {**_typed(console, issue_id), "action": "remove"}
    assert console.post(f"{url}/blocks/{block.id}", typed).status_code == 303
    _saved(service, issue_id)
    assert service.issue_content.content(issue_id).blocks == []


def test_changing_an_annex_audience_saves_what_was_typed_first(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    annex = service.editorial.add_issue_annex(
        issue_id, ("budget.pdf", "application/pdf", PDF), "Budget"
    ).annex_ids[0]
    typed = {**_typed(console, issue_id), f"annex_audience_{annex}": "members",
             f"annex_label_{annex}_fr": "Budget 2027",
             f"annex_label_{annex}_nl": "Begroting"}  # fmt: skip
    answer = console.post(f"/console/issues/{issue_id}/annexes/{annex}/audience", typed)
    assert answer.status_code == 303
    _saved(service, issue_id)
    assert service.issue_content.content(issue_id).annex_audiences[annex] == "members"
    assert service.console.issue_detail(issue_id).annex_labels[annex]["nl"] == "Begroting"
    assert b"budget.pdf" not in service.editorial.preview(issue_id, membership="none").eml
