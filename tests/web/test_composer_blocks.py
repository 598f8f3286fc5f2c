"""Every block's fields and the PV chosen for each AG go with every button of the composer
(and with its autosave): saved first; a block refused keeps what was typed, its error next
to it, and the button's action is not done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

from newsletter.service import Service
from tests.content.sample import PDF
from tests.content.test_issue_blocks import _png
from tests.web.conftest import Browser
from tests.web.test_composer_nojs import _draft, _saved, _typed


def _issue_with_blocks(service: Service) -> tuple[int, int, int, int, int]:
    """A draft with two news, a coming AG, a past AG with a PV, a text and a button block:
    (issue, past AG, coming AG, text block, button block)."""
    now = datetime.now(UTC)
    past = service.editorial.create_assembly(
        title="AG d'automne", starts_at=now - timedelta(days=60), place="Salle"
    )
    service.editorial.attach_minutes(past.id, "PV automne.pdf", PDF)
    service.editorial.create_assembly(
        title="AG d'hiver", starts_at=now + timedelta(days=20), place="Salle"
    )
    issue_id = _draft(service)
    (coming,) = service.editorial.get_issue(issue_id).assemblies
    content = service.issue_content
    text = content.add_block(issue_id, "text", texts={"fr": {"body": "Mot d'origine."}})
    button = content.add_block(issue_id, "button", texts={"fr": {"label": "Lire"}},
                               url="https://example.org/")  # fmt: skip
    return issue_id, past.id, coming, text, button


def _blocks_typed(
    text: int, button: int, url: str = "https://example.org/agenda"
) -> dict[str, str]:
    return {
        f"block_{text}_body_fr": "Le mot **tapé**.", f"block_{text}_body_nl": "Het getypte woord.",
        f"block_{text}_place": "end", f"block_{text}_audience": "members",
        f"block_{button}_label_fr": "Voir l'agenda", f"block_{button}_label_nl": "De agenda",
        f"block_{button}_url": url, f"block_{button}_place": "introduction",
        f"block_{button}_audience": "all",
    }  # fmt: skip


def test_moving_an_item_saves_every_block_and_pv_choice(service: Service, console: Browser) -> None:
    issue_id, past, coming, text, button = _issue_with_blocks(service)
    first = service.console.issue_detail(issue_id).entries[0].news_id
    typed = {**_typed(console, issue_id), **_blocks_typed(text, button),
             f"minutes_from_{coming}": str(past), "item": f"down:{first}"}  # fmt: skip
    assert console.post(f"/console/issues/{issue_id}/items", typed).status_code == 303
    _saved(service, issue_id)
    assert [e.news_id for e in service.console.issue_detail(issue_id).entries][1] == first
    blocks = {b.id: b for b in service.issue_content.content(issue_id).blocks}
    assert blocks[text].texts["fr"]["body"] == "Le mot **tapé**."
    assert blocks[text].texts["nl"]["body"] == "Het getypte woord."
    assert (blocks[text].place, blocks[text].audience) == ("end", "members")
    assert blocks[button].texts["nl"]["label"] == "De agenda"
    assert blocks[button].url == "https://example.org/agenda"
    chosen = {ag.id: ag.minutes_from for ag in service.issue_content.content(issue_id).assemblies}
    assert chosen == {coming: past}


def test_a_block_refused_keeps_everything_typed_and_does_nothing_else(
    service: Service, console: Browser
) -> None:
    issue_id, past, coming, text, button = _issue_with_blocks(service)
    first = service.console.issue_detail(issue_id).entries[0].news_id
    typed = {**_typed(console, issue_id), **_blocks_typed(text, button, url="javascript:alert(1)"),
             f"minutes_from_{coming}": str(past), "item": f"down:{first}",
             "new_text_body_fr": "Un bloc pas encore ajouté."}  # fmt: skip
    answer = console.post(f"/console/issues/{issue_id}/items", typed)
    assert answer.status_code == 400
    page = unescape(answer.text)
    # every value as typed, the refused block's too
    for value in ("Lettre d'hiver (tapée)", "Le mot **tapé**.", "Het getypte woord.",
                  "Voir l'agenda", "De agenda", "javascript:alert(1)",
                  "Un bloc pas encore ajouté."):  # fmt: skip
        assert value in page, value
    assert f'id="block-{button}-error" data-error-for="block-{button}">' in answer.text
    assert f'id="block-{text}-error" data-error-for="block-{text}" hidden' in answer.text
    assert 'id="composer-errors"' in answer.text
    # the action was not done; the rest was saved, the refused block kept as it was
    assert service.console.issue_detail(issue_id).entries[0].news_id == first
    _saved(service, issue_id)
    blocks = {b.id: b for b in service.issue_content.content(issue_id).blocks}
    assert blocks[text].texts["fr"]["body"] == "Le mot **tapé**."
    assert (
        blocks[button].url == "https://example.org/"
        and blocks[button].texts["fr"]["label"] == "Lire"
    )
    chosen = {ag.id: ag.minutes_from for ag in service.issue_content.content(issue_id).assemblies}
    assert chosen == {coming: past}


def test_a_new_block_refused_keeps_what_was_typed(service: Service, console: Browser) -> None:
    issue_id = _draft(service)
    typed = {**_typed(console, issue_id), "kind": "button", "new_button_label_fr": "Par ici",
             "new_button_label_nl": "Hierheen", "new_button_url": "ftp://example.org/",
             "new_button_place": "end", "new_button_audience": "members"}  # fmt: skip
    answer = console.post(f"/console/issues/{issue_id}/blocks", typed)
    assert answer.status_code == 400
    page = unescape(answer.text)
    assert 'value="Par ici"' in page and 'value="Hierheen"' in page
    assert 'value="ftp://example.org/"' in page
    assert '<details class="add-block" id="add-button-block" open>' in page
    assert 'id="new-button-error" data-error-for="new-button">' in page
    assert service.issue_content.content(issue_id).blocks == []
    _saved(service, issue_id)


def test_removing_a_block_left_empty_is_not_refused(service: Service, console: Browser) -> None:
    issue_id, _past, _coming, text, button = _issue_with_blocks(service)
    typed = {**_typed(console, issue_id), **_blocks_typed(text, button), "action": "remove",
             f"block_{text}_body_fr": "", f"block_{text}_body_nl": ""}  # fmt: skip
    answer = console.post(f"/console/issues/{issue_id}/blocks/{text}", typed)
    assert answer.status_code == 303
    assert [b.id for b in service.issue_content.content(issue_id).blocks] == [button]
    assert service.issue_content.content(issue_id).blocks[0].texts["nl"]["label"] == "De agenda"


def test_autosave_saves_the_blocks_and_tells_each_error(service: Service, console: Browser) -> None:
    issue_id, past, coming, text, button = _issue_with_blocks(service)
    url = f"/console/issues/{issue_id}/texts"
    typed = {**_typed(console, issue_id), **_blocks_typed(text, button),
             f"minutes_from_{coming}": str(past), "csrf_token": console.token}  # fmt: skip
    saved = console.client.post(url, data=typed, headers={"X-Autosave": "1"})
    assert saved.status_code == 200
    assert saved.json()["saved"] is True and saved.json()["errors"] == {}
    blocks = {b.id: b for b in service.issue_content.content(issue_id).blocks}
    assert blocks[text].texts["nl"]["body"] == "Het getypte woord."
    typed[f"block_{text}_body_fr"] = typed[f"block_{text}_body_nl"] = ""
    typed[f"block_{button}_label_fr"] = "Voir le programme"
    refused = console.client.post(url, data=typed, headers={"X-Autosave": "1"})
    assert refused.status_code == 400
    answer = refused.json()
    assert answer["saved"] is False and list(answer["errors"]) == [f"block-{text}"]
    assert "texte" in answer["errors"][f"block-{text}"]
    blocks = {b.id: b for b in service.issue_content.content(issue_id).blocks}
    assert blocks[text].texts["fr"]["body"] == "Le mot **tapé**."  # kept as it was
    assert blocks[button].texts["fr"]["label"] == "Voir le programme"  # the other saved


def test_an_image_of_its_own_per_language_from_the_composer(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    block = service.issue_content.add_block(
        issue_id, "image", image=("affiche.jpg", "image/png", _png("red")),
        texts={"fr": {"image_alt": "L'affiche"}},
    )  # fmt: skip
    page = console.get(f"/console/issues/{issue_id}").text
    assert f'name="block_{block}_image_nl"' in page
    typed = {**_typed(console, issue_id), f"block_{block}_image_alt_fr": "L'affiche",
             f"block_{block}_image_alt_nl": "De affiche", "csrf_token": console.token}  # fmt: skip
    files = {f"block_{block}_image_nl": ("affiche-nl.jpg", _png("blue"), "image/png")}
    answer = console.client.post(f"/console/issues/{issue_id}/texts", data=typed, files=files)
    assert answer.status_code == 303
    _saved(service, issue_id)
    (row,) = service.issue_content.content(issue_id).blocks
    assert row.image_names == {"fr": "affiche.jpg", "nl": "affiche-nl.jpg"}
    assert "affiche-nl.jpg" in service.editorial.preview(issue_id, language="nl").html
    assert "affiche-nl.jpg" not in service.editorial.preview(issue_id, language="fr").html
    assert "Image de cette version : affiche-nl.jpg" in unescape(
        console.get(f"/console/issues/{issue_id}").text
    )


def test_a_new_block_typed_into_is_added_by_any_other_button(
    service: Service, console: Browser
) -> None:
    issue_id, _past, _coming, text, button = _issue_with_blocks(service)
    first = service.console.issue_detail(issue_id).entries[0].news_id
    typed = {**_typed(console, issue_id), "item": f"down:{first}",
             "new_text_body_fr": "Un mot pas encore ajouté.", "new_text_body_nl": "Nog niet.",
             "new_text_place": "end", "new_text_audience": "members",
             "new_button_place": "end"}  # fmt: skip
    assert console.post(f"/console/issues/{issue_id}/items", typed).status_code == 303
    _saved(service, issue_id)
    assert [e.news_id for e in service.console.issue_detail(issue_id).entries][1] == first
    new = [b for b in service.issue_content.content(issue_id).blocks if b.id not in (text, button)]
    # the typed text became a block; the untouched button form (a place alone) did not
    found = [(b.kind, b.texts["fr"]["body"], b.texts["nl"]["body"], b.place, b.audience)
             for b in new]  # fmt: skip
    assert found == [("text", "Un mot pas encore ajouté.", "Nog niet.", "end", "members")]


def test_a_new_block_refused_by_another_button_keeps_it_and_adds_the_good_one(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    first = service.console.issue_detail(issue_id).entries[0].news_id
    typed = {**_typed(console, issue_id), "item": f"down:{first}",
             "new_text_body_fr": "Le bon bloc.", "new_button_label_fr": "Par ici",
             "new_button_url": "javascript:alert(1)"}  # fmt: skip
    answer = console.post(f"/console/issues/{issue_id}/items", typed)
    assert answer.status_code == 400
    page = unescape(answer.text)
    assert 'value="Par ici"' in page and 'value="javascript:alert(1)"' in page
    assert 'id="new-button-error" data-error-for="new-button">' in page
    assert page.count("Le bon bloc.") == 1  # added: out of the "add" form, shown as a block
    (added,) = service.issue_content.content(issue_id).blocks
    assert (added.kind, added.texts["fr"]["body"]) == ("text", "Le bon bloc.")
    # the move was not done
    assert service.console.issue_detail(issue_id).entries[0].news_id == first


def test_autosave_and_adding_a_block_never_add_a_typed_block_twice(
    service: Service, console: Browser
) -> None:
    issue_id = _draft(service)
    url = f"/console/issues/{issue_id}/texts"
    typed = {**_typed(console, issue_id), "new_text_body_fr": "Pas encore.",
             "csrf_token": console.token}  # fmt: skip
    for _ in range(2):
        answer = console.client.post(url, data=typed, headers={"X-Autosave": "1"})
        assert answer.status_code == 200 and answer.json()["saved"] is True
    assert service.issue_content.content(issue_id).blocks == []
    adding = {**_typed(console, issue_id), "kind": "text", "new_text_body_fr": "Le texte."}
    assert console.post(f"/console/issues/{issue_id}/blocks", adding).status_code == 303
    assert [b.texts["fr"]["body"] for b in service.issue_content.content(issue_id).blocks] == [
        "Le texte."
    ]
