"""The ``posting:`` block of a list file: defaults, validation, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.audience.segments import load_segments
from newsletter.mailinglist.config import (
    Moderation,
    PostingError,
    ReplyTo,
    Who,
    parse_posting,
)

ROOT = Path(__file__).resolve().parents[2]
TITLE = "title: {fr: GT Logement, nl: WG Huisvesting}\nmatch: {groups: logement}\n"


def test_the_shipped_working_group_takes_posts() -> None:
    segments, errors = load_segments(ROOT / "lists")
    assert errors == []
    posting = segments["logement"].posting
    assert posting is not None
    assert posting.address == "gt-logement@reseau.example"
    assert posting.tag_for("GT Logement") == "[GT Logement]"
    assert segments["membres"].posting is None


def test_defaults_and_normalised_values() -> None:
    posting = parse_posting({"address": " GT-Logement@Reseau.Example "})
    assert posting.address == "gt-logement@reseau.example"
    assert (posting.who, posting.moderation, posting.reply_to) == (
        Who.members,
        Moderation.new_senders,
        ReplyTo.list,
    )
    assert posting.max_bytes == 2_000_000
    assert posting.allows_type("application/PDF")
    assert posting.allows_type("image/png")
    assert not posting.allows_type("application/x-msdownload")
    assert posting.tag_for("GT Logement") == "[GT Logement]"


def test_every_choice_is_read() -> None:
    posting = parse_posting(
        {
            "address": "gt@reseau.example",
            "who": "anyone",
            "moderation": "all",
            "reply_to": "poster",
            "max_bytes": 50_000,
            "attachments": [],
            "tag": "[GT]",
        }
    )
    assert (posting.who, posting.moderation, posting.reply_to) == (
        Who.anyone,
        Moderation.all,
        ReplyTo.poster,
    )
    assert posting.max_bytes == 50_000
    assert not posting.allows_type("application/pdf")
    assert posting.tag_for("ignored") == "[GT]"


@pytest.mark.parametrize(
    ("raw", "field", "word"),
    [
        ({"address": "not an address"}, "address", "e-mail"),
        ({"address": "gt@reseau.example", "who": "friends"}, "who", "members"),
        ({"address": "gt@reseau.example", "moderation": "some"}, "moderation", "new-senders"),
        ({"address": "gt@reseau.example", "max_bytes": 0}, "max_bytes", "1000"),
        ({"address": "gt@reseau.example", "attachments": ["pdf"]}, "attachments", "MIME"),
        ({"address": "gt@reseau.example", "colour": "blue"}, "colour", "Extra"),
        ({"who": "members"}, "address", "required"),
    ],
)
def test_a_mistake_names_the_field_and_the_problem(raw: dict[str, object], field: str,
                                                   word: str) -> None:  # fmt: skip
    with pytest.raises(PostingError) as caught:
        parse_posting(raw)
    text = caught.value.msg.render("fr")
    assert text.startswith(f"« posting.{field}")
    assert word in text


def test_a_wrong_block_is_reported_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "bon.yaml").write_text(TITLE + "posting: {address: gt@reseau.example}\n")
    (tmp_path / "mauvais.yaml").write_text(TITLE + "posting: {address: gt@, who: all}\n")
    (tmp_path / "liste.yaml").write_text(TITLE + "posting: [gt@reseau.example]\n")
    segments, errors = load_segments(tmp_path)
    assert sorted(segments) == ["bon"]
    messages = {e.file: e.problem.render("nl") for e in errors}
    assert set(messages) == {"mauvais.yaml", "liste.yaml"}
    assert messages["mauvais.yaml"].startswith("'posting.address'")
    assert "mapping" in messages["liste.yaml"]


def test_an_address_belongs_to_one_list(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TITLE + "posting: {address: gt@reseau.example}\n")
    (tmp_path / "b.yaml").write_text(TITLE + "posting: {address: GT@reseau.example}\n")
    segments, errors = load_segments(tmp_path)
    assert segments["a"].posting is not None
    assert segments["b"].posting is None
    assert [e.file for e in errors] == ["b.yaml"]
    assert "'a'" in errors[0].problem.render("nl")
