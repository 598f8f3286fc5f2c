"""``issue block list / edit / move``: the same service functions as the composer, the same
rules (what a block may hold, the address of a button), a JSON answer for scripts."""

from __future__ import annotations

from pathlib import Path

from newsletter.service import Service
from tests.content.test_issue_blocks import _png
from tests.support.cli import Cli


def _blocks(service: Service, issue_id: int) -> tuple[int, int]:
    content = service.issue_content
    text = content.add_block(issue_id, "text", texts={"fr": {"body": "Le mot."}})
    button = content.add_block(issue_id, "button", texts={"fr": {"label": "Lire"}},
                               url="https://example.org/")  # fmt: skip
    return text, button


def test_cli_block_edit(cli: Cli, service: Service, issue_id: int, tmp_path: Path) -> None:
    text, button = _blocks(service, issue_id)
    dutch = tmp_path / "woord.md"
    dutch.write_text("Het **woord**.", encoding="utf-8")
    edited = cli("issue", "block", "edit", str(issue_id), str(text), "--text-nl", str(dutch),
                 "--place", "end", "--audience", "members", "--json")  # fmt: skip
    assert edited.code == 0, edited.err
    assert edited.json() == {
        "id": text, "kind": "text", "place": "end", "audience": "members", "url": "",
        "image": None, "images": {"fr": None, "nl": None},
        "texts": {"fr": {"body": "Le mot."}, "nl": {"body": "Het **woord**."}},
        "languages": ["fr", "nl"],
    }  # fmt: skip
    assert (
        "Het <strong>woord</strong>."
        in service.editorial.preview(issue_id, language="nl", membership="effectif").html
    )
    # the button: its Dutch words and address; the French words unchanged
    edited = cli("issue", "block", "edit", str(issue_id), str(button), "--label-nl", "Lezen",
                 "--url", "https://example.org/agenda")  # fmt: skip
    assert edited.code == 0, edited.err
    row = next(b for b in service.issue_content.content(issue_id).blocks if b.id == button)
    assert (row.texts["fr"]["label"], row.texts["nl"]["label"]) == ("Lire", "Lezen")
    assert row.url == "https://example.org/agenda"


def test_cli_block_edit_refuses_and_keeps(
    cli: Cli, service: Service, issue_id: int, tmp_path: Path
) -> None:
    text, button = _blocks(service, issue_id)
    empty = tmp_path / "vide.md"
    empty.write_text("", encoding="utf-8")
    bad_url = cli("issue", "block", "edit", str(issue_id), str(button), "--url",
                  "javascript:alert(1)", "--label-fr", "Changé")  # fmt: skip
    assert bad_url.code == 1 and "http" in bad_url.err
    not_its = cli("issue", "block", "edit", str(issue_id), str(text), "--label-fr", "Ici")
    assert not_its.code == 1 and "texte" in not_its.err
    emptied = cli("issue", "block", "edit", str(issue_id), str(text), "--text-fr", str(empty))
    assert emptied.code == 1 and "texte" in emptied.err
    unknown = cli("issue", "block", "edit", str(issue_id), "999999", "--place", "end")
    assert unknown.code == 1
    rows = {b.id: b for b in service.issue_content.content(issue_id).blocks}
    assert rows[text].texts["fr"]["body"] == "Le mot." and rows[text].place == "introduction"
    assert (rows[button].url, rows[button].texts["fr"]["label"]) == ("https://example.org/",
                                                                     "Lire")  # fmt: skip


def test_cli_block_list_and_move(cli: Cli, service: Service, issue_id: int) -> None:
    text, button = _blocks(service, issue_id)
    listed = cli("issue", "block", "list", str(issue_id), "--json")
    assert listed.code == 0, listed.err
    assert [b["id"] for b in listed.json()] == [text, button]
    moved = cli("issue", "block", "move", str(issue_id), str(button), "--up", "--json")
    assert moved.code == 0, moved.err
    assert [b["id"] for b in moved.json()] == [button, text]
    # past the last of its place: into the next place
    moved = cli("issue", "block", "move", str(issue_id), str(button), "--down", "--steps", "2")
    assert moved.code == 0, moved.err
    rows = service.issue_content.content(issue_id).blocks
    assert [b.id for b in rows] == [text, button] and rows[1].place == "assemblies"
    neither = cli("issue", "block", "move", str(issue_id), str(button))
    assert neither.code == 2
    assert [b.id for b in service.issue_content.content(issue_id).blocks] == [text, button]


def test_cli_block_image_per_language(
    cli: Cli, service: Service, issue_id: int, tmp_path: Path
) -> None:
    """Each language version of an image block: its description, and a picture of its own
    if given (else the original's)."""
    french, dutch = tmp_path / "affiche.jpg", tmp_path / "affiche-nl.jpg"
    french.write_bytes(_png("red"))
    dutch.write_bytes(_png("blue"))
    added = cli("issue", "block", "add", str(issue_id), "--kind", "image", "--image",
                str(french), "--alt-fr", "L'affiche", "--json")  # fmt: skip
    assert added.code == 0, added.err
    block = str(added.json()["id"])
    # a Dutch picture without its Dutch description: refused, nothing changed
    refused = cli("issue", "block", "edit", str(issue_id), block, "--image-nl", str(dutch))
    assert refused.code == 1 and "description" in refused.err
    nl_html = service.editorial.preview(issue_id, language="nl").html
    assert "affiche.jpg" in nl_html and "affiche-nl.jpg" not in nl_html
    edited = cli("issue", "block", "edit", str(issue_id), block, "--image-nl", str(dutch),
                 "--alt-nl", "De affiche", "--json")  # fmt: skip
    assert edited.code == 0, edited.err
    assert edited.json()["images"] == {"fr": "affiche.jpg", "nl": "affiche-nl.jpg"}
    fr_html = service.editorial.preview(issue_id, language="fr").html
    nl_html = service.editorial.preview(issue_id, language="nl").html
    assert "affiche.jpg" in fr_html and 'alt="L\'affiche"' in fr_html
    assert "affiche-nl.jpg" not in fr_html
    assert "affiche-nl.jpg" in nl_html and 'alt="De affiche"' in nl_html
    # a text block takes no picture
    text, _button = _blocks(service, issue_id)
    wrong = cli("issue", "block", "edit", str(issue_id), str(text), "--image-nl", str(dutch))
    assert wrong.code == 1
