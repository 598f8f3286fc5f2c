"""The coordinator's own blocks in an issue (text, image, button) and who gets what.

A block has a place (after the introduction, after the AGs, after a news section, at
the end: ``places``) and an order among the blocks; its words have a version per
language (``newsletter.versions``, ``BLOCK_FIELDS``), the original in the issue's
language. A text is Markdown (or HTML) through the one allow-list
(``text.to_safe_html``); a button's address follows the rule of every link a person
gives (``intake.news.check_link``); an image is accepted and re-encoded by the file
policy before it gets here (``intake.files.FilePolicy.image``) and needs a description.

Blocks and annexes may be limited to a membership (``AUDIENCES``); ``shown_to`` is the
one rule every output (e-mail variants, web version, printed edition) applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.config import Settings
from newsletter.editorial.issues import require_editable
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.intake.news import check_link
from newsletter.models import FileUpload, Language, Membership
from newsletter.store.editorial import Issue, IssueBlock, store_file
from newsletter.text import BodyFormat, one_line, to_safe_html

KINDS = ("text", "image", "button")
#: who gets a block or an annex: everyone, members (effectif and adhérent), one kind, or
#: the readers without a membership
AUDIENCES = ("all", "members", Membership.full.value, Membership.associate.value, "public")
#: the variant blocks of the members (``render.prepare``)
MEMBER_BLOCKS = frozenset({Membership.full.value, Membership.associate.value})
#: the places that are not a news section
FIRST_PLACES = ("introduction", "assemblies")
LAST_PLACE = "end"
#: the fields with a version per language
BLOCK_FIELDS = ("body_source", "body_html", "label", "image_alt")
#: the field whose presence makes a language version, per kind
KEY_FIELD = {"text": "body_html", "image": "image_alt", "button": "label"}
#: longest text of a block (Markdown as typed)
MAX_TEXT = 20_000


def shown_to(audience: str, block: str) -> bool:
    """Whether a reader of variant ``block`` gets content limited to ``audience``.

    ``block`` is a membership kind (``effectif``, ``adherent``), ``public`` for readers
    without a membership, or ``all`` when the issue has nothing limited."""
    if audience == "all" or block == "all":
        return True
    if audience == "members":
        return block in MEMBER_BLOCKS
    return audience == block


def check_audience(value: str) -> str:
    value = (value or "all").strip().lower()
    if value not in AUDIENCES:
        raise ValidationError(
            N_("Unknown audience “{value}”: use one of {choices}."),
            value=one_line(value, 30), choices=", ".join(AUDIENCES),
        )  # fmt: skip
    return value


def places(settings: Settings) -> list[str]:
    """Where a block may go, in the order of the issue."""
    return [*FIRST_PLACES, *settings.categories, LAST_PLACE]


def check_place(settings: Settings, place: str) -> str:
    place = (place or FIRST_PLACES[0]).strip()
    if place not in places(settings):
        raise ValidationError(N_("Unknown place for a block: {place}"), place=one_line(place, 50))
    return place


def get_block(issue: Issue, block_id: int) -> IssueBlock:
    found = next((block for block in issue.blocks if block.id == block_id), None)
    if found is None:
        raise NotFoundError(N_("No block {id} in this issue."), id=block_id)
    return found


def _version_values(
    kind: str, values: Mapping[str, str], body_format: BodyFormat
) -> dict[str, str]:
    if kind == "text":
        source = str(values.get("body", "") or "").strip()
        if len(source) > MAX_TEXT:
            raise ValidationError(N_("The text is too long ({limit} characters at most)."),
                                  limit=MAX_TEXT)  # fmt: skip
        html = to_safe_html(source, body_format) if source else ""
        return {"body_source": source, "body_html": html}
    if kind == "button":
        return {"label": one_line(str(values.get("label", "") or ""), 200)}
    return {"image_alt": one_line(str(values.get("image_alt", "") or ""), 300)}


#: the words each kind of block holds, as the doors name them
WORDS = {"text": "body", "button": "label", "image": "image_alt"}
_OTHER_WORDS = {
    "text": N_("A text block holds only a text (no button words, no image description)."),
    "button": N_("A button holds only its words and its address (no text, no description)."),
    "image": N_("An image block holds only an image and its description (no text, no button)."),
}  # fmt: skip


def check_holds(
    kind: str, texts: Mapping[str, Mapping[str, str]], url: str | None, image: object
) -> None:
    """What a block of ``kind`` may hold: words of another kind, an address for a block
    that is not a button, an image for one that is not an image are refused (empty
    values are not words)."""
    own = WORDS.get(kind)
    given = {name for values in texts.values() for name, value in values.items()
             if str(value or "").strip()}  # fmt: skip
    if (
        given - {own}
        or (url and url.strip() and kind != "button")
        or (image is not None and kind != "image")
    ):
        raise ValidationError(_OTHER_WORDS.get(kind, N_("Unknown kind of block: {kind}")),
                              kind=one_line(kind, 20))  # fmt: skip


def _set_texts(
    block: IssueBlock, texts: Mapping[str, Mapping[str, str]], body_format: BodyFormat
) -> None:
    """Each language's version of the block's words; a language whose values do not
    name the kind's words (``WORDS``) is left as it is."""
    check_holds(block.kind, texts, None, None)
    for lang, values in texts.items():
        lang = versions.check_language(lang)
        if WORDS[block.kind] not in values:
            continue
        cleaned = _version_values(block.kind, values, body_format)
        if lang == versions.original_language(block):
            for name, value in cleaned.items():
                setattr(block, name, value)
            continue
        translations = {k: dict(v) for k, v in (block.translations or {}).items()}
        version = {k: v for k, v in translations.get(lang, {}).items() if k not in cleaned}
        version.update({k: v for k, v in cleaned.items() if v})
        if version:
            translations[lang] = version
        else:
            translations.pop(lang, None)
        block.translations = translations


def _set_images(session: Session, block: IssueBlock, images: Mapping[str, FileUpload]) -> None:
    """A picture per language version (already accepted by the file policy): the
    original's in ``image_id``, another language's in its version (``image_id`` there;
    without one, that version shows the original's picture)."""
    for lang, image in images.items():
        lang = versions.check_language(lang)
        stored = store_file(session, one_line(image[0], 255), image[1], image[2])
        if lang == versions.original_language(block):
            block.image_id = stored.id
            continue
        translations = {k: dict(v) for k, v in (block.translations or {}).items()}
        translations.setdefault(lang, {})["image_id"] = stored.id
        block.translations = translations


def _check_complete(block: IssueBlock) -> None:
    key = KEY_FIELD[block.kind]
    if block.kind == "image" and any(
        versions.field_in(block, "image_id", lang) and not versions.has_version(block, lang, key)
        for lang in LANGUAGES
    ):
        raise ValidationError(N_("The image of a language version needs its description "
                                 "in that language."))  # fmt: skip
    if not any(versions.has_version(block, lang, key) for lang in LANGUAGES):
        messages = {
            "text": N_("A text block needs a text in French or in Dutch."),
            "button": N_("A button needs its words in French or in Dutch."),
            "image": N_("An image needs a description (alt text) in French or in Dutch."),
        }
        raise ValidationError(messages[block.kind])
    if block.kind == "button" and not block.url:
        raise ValidationError(N_("A button needs the address it leads to."))
    if block.kind == "image" and block.image_id is None:
        raise ValidationError(N_("Choose the image of the block."))


def add_block(
    session: Session,
    settings: Settings,
    issue: Issue,
    kind: str,
    *,
    place: str = FIRST_PLACES[0],
    audience: str = "all",
    texts: Mapping[str, Mapping[str, str]] | None = None,
    url: str = "",
    image: FileUpload | None = None,
    body_format: BodyFormat = "markdown",
) -> IssueBlock:
    """A new block at the end of its place; ``texts``: per language, ``body`` (a text),
    ``label`` (a button) or ``image_alt`` (an image). ``image``: already accepted by the
    file policy."""
    require_editable(issue)
    if kind not in KINDS:
        raise ValidationError(N_("Unknown kind of block: {kind}"), kind=one_line(kind, 20))
    check_holds(kind, texts or {}, url, image)
    block = IssueBlock(
        kind=kind,
        place=check_place(settings, place),
        audience=check_audience(audience),
        language=Language(versions.original_language(issue)),
        translations={},
        position=len(issue.blocks) + 1_000_000,  # the last of its place, renumbered below
    )
    _set_texts(block, texts or {}, body_format)
    if kind == "button":
        block.url = check_link(url)
    if image is not None and kind == "image":
        block.image_id = store_file(session, one_line(image[0], 255), image[1], image[2]).id
    _check_complete(block)
    issue.blocks.append(block)
    _renumber(_ordered(issue.blocks, settings))
    session.flush()
    return block


def update_block(
    session: Session,
    settings: Settings,
    issue: Issue,
    block_id: int,
    *,
    place: str | None = None,
    audience: str | None = None,
    texts: Mapping[str, Mapping[str, str]] | None = None,
    url: str | None = None,
    image: FileUpload | None = None,
    body_format: BodyFormat = "markdown",
    images: Mapping[str, FileUpload] | None = None,
) -> IssueBlock:
    """Change a block (None: unchanged); a change that leaves it incomplete is refused.
    ``images``: an image block's picture per language (``_set_images``)."""
    require_editable(issue)
    block = get_block(issue, block_id)
    check_holds(block.kind, texts or {}, url, image or (images or None))
    if place is not None:
        block.place = check_place(settings, place)
    if audience is not None:
        block.audience = check_audience(audience)
    if texts:
        _set_texts(block, texts, body_format)
    if url is not None and block.kind == "button":
        block.url = check_link(url)
    if image is not None and block.kind == "image":
        block.image_id = store_file(session, one_line(image[0], 255), image[1], image[2]).id
    if images and block.kind == "image":
        _set_images(session, block, images)
    _check_complete(block)
    _renumber(_ordered(issue.blocks, settings))
    session.flush()
    return block


def remove_block(session: Session, issue: Issue, block_id: int) -> None:
    require_editable(issue)
    block = get_block(issue, block_id)
    issue.blocks = [b for b in issue.blocks if b.id != block.id]
    _renumber(issue.blocks)
    session.flush()


def move_block(
    session: Session, settings: Settings, issue: Issue, block_id: int, step: int
) -> None:
    """One step up (-1) or down (+1) in the issue: within its place, or into the
    previous or next place when it is the first or the last of its own."""
    require_editable(issue)
    block = get_block(issue, block_id)
    order = places(settings)
    ordered = _ordered(issue.blocks, settings)
    same = [b for b in ordered if b.place == block.place]
    index = same.index(block)
    neighbour = index + step
    if 0 <= neighbour < len(same):
        other = same[neighbour]
        block.position, other.position = other.position, block.position
    else:
        rank = order.index(block.place) if block.place in order else len(order) - 1
        target = rank + step
        if not 0 <= target < len(order):
            return
        block.place = order[target]
        block.position = -1 if step > 0 else len(ordered) + 1
    _renumber(_ordered(issue.blocks, settings))
    session.flush()


def copy_blocks(source: Issue) -> list[IssueBlock]:
    """The blocks of ``source`` for a duplicate (same words, image and places)."""
    fields: Sequence[str] = (
        "kind", "place", "position", "audience", "language", "body_source", "body_html",
        "label", "url", "image_id", "image_alt",
    )  # fmt: skip
    copies = []
    for block in source.blocks:
        values: dict[str, Any] = {name: getattr(block, name) for name in fields}
        values["translations"] = {k: dict(v) for k, v in (block.translations or {}).items()}
        copies.append(IssueBlock(**values))
    return copies


def _ordered(blocks: Sequence[IssueBlock], settings: Settings) -> list[IssueBlock]:
    order = places(settings)

    def rank(block: IssueBlock) -> tuple[int, int]:
        place = order.index(block.place) if block.place in order else len(order)
        return place, block.position or 0

    return sorted(blocks, key=rank)


def _renumber(rows: Sequence[IssueBlock]) -> None:
    for position, row in enumerate(rows):
        row.position = position
