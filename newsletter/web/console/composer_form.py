"""The composer's fields, sent with every button of the page (texts, lists, the labels of
the annexes, the PV chosen for each AG, every block's fields).

Every button of the composer (move or remove an item, add or remove an annex or choose who
gets it, add or take out an AG and choose its PV, add, change, move or remove a block, test,
send, schedule, duplicate) submits the one composer form, with its own ``formaction``: a
browser without JavaScript thus sends what was typed along with the action, and the
action's route saves it first (``save_first``) — no button throws typed input away. When
part of it is refused, nothing else is done: ``ComposerNotSaved`` shows the composer again
with every value as typed and each error next to its field (``composer_page``). The
marker field ``composer`` tells a full composer form from a bare action (the CLI-like
posts of scripts and older pages, which change nothing else).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Form
from starlette.datastructures import UploadFile
from starlette.requests import Request

from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.models import FileUpload
from newsletter.service import Service
from newsletter.service.issue_content import BlockEdit
from newsletter.web.forms import read_upload

#: the words of a block, per language
BLOCK_WORDS = ("body", "label", "image_alt")


@dataclass(frozen=True)
class ComposerFields:
    """What the composer form holds besides the action: the original's title and
    introduction, the other language's (``title_nl``… when the original is French),
    lists, public, bilingual, the annexes' labels, the PV of each AG, the blocks."""

    sent: bool
    title: str
    introduction: str
    lists: list[str]
    public: bool
    bilingual: bool
    other: dict[str, dict[str, str | None]]
    #: the labels of the annexes already attached: ``{annex_id: {"fr": …, "nl": …}}``
    annex_labels: dict[int, dict[str, str]] = field(default_factory=dict)
    #: the PV chosen for each AG of the issue as sent (``minutes_from_<id>``)
    minutes: dict[int, str] = field(default_factory=dict)
    #: the fields of each block of the issue (``block_<id>_…``)
    blocks: dict[int, BlockEdit] = field(default_factory=dict)
    #: every text field of the form as sent (a new block's fields, shown again on an error)
    raw: dict[str, str] = field(default_factory=dict)

    def save(
        self, service: Service, issue_id: int, *, skip_block: int | None = None,
        skip_assembly: int | None = None,
    ) -> None:  # fmt: skip
        """Store the fields; what is refused is not stored and ``ComposerNotSaved``
        tells each error by the field's place (``texts``, ``block-3``, ``minutes-2``…),
        the rest is stored. ``skip_…``: the block or AG the action takes out."""
        errors: dict[str, NewsletterError] = {}
        try:
            service.editorial.edit_issue(
                issue_id, title=self.title, introduction=self.introduction, lists=self.lists,
                public=self.public, bilingual=self.bilingual,
                texts={lang: texts for lang, texts in self.other.items()
                       if any(value is not None for value in texts.values())},
            )  # fmt: skip
        except NewsletterError as error:
            errors["texts"] = error
        for annex_id, labels in self.annex_labels.items():
            try:
                service.editorial.set_annex_labels(issue_id, annex_id, labels)
            except NewsletterError as error:
                errors[f"annex-{annex_id}"] = error
        choices: dict[int, int | None] = {}
        for assembly_id, value in self.minutes.items():
            if assembly_id == skip_assembly:
                continue
            try:
                choices[assembly_id] = minutes_choice(value)
            except NewsletterError as error:
                errors[f"minutes-{assembly_id}"] = error
        content = service.issue_content
        for assembly_id, refused in content.save_minutes(issue_id, choices).items():
            errors[f"minutes-{assembly_id}"] = refused
        edits = {block: edit for block, edit in self.blocks.items() if block != skip_block}
        for block_id, refused in content.save_blocks(issue_id, edits).items():
            errors[f"block-{block_id}"] = refused
        if errors:
            raise ComposerNotSaved(issue_id, self, errors)

    def save_first(
        self, service: Service, issue_id: int, *, skip_block: int | None = None,
        skip_assembly: int | None = None,
    ) -> None:  # fmt: skip
        """Before an action: store the fields when the whole form came with it."""
        if self.sent:
            self.save(service, issue_id, skip_block=skip_block, skip_assembly=skip_assembly)


class ComposerNotSaved(Exception):
    """Part of the composer's fields was refused: the action is not done, the composer is
    shown again as typed (``composer_page.not_saved``), or autosave answers the errors."""

    def __init__(
        self, issue_id: int, fields: ComposerFields, errors: dict[str, NewsletterError]
    ) -> None:
        super().__init__(f"composer of issue {issue_id} not saved: {sorted(errors)}")
        self.issue_id, self.fields, self.errors = issue_id, fields, errors


def minutes_choice(value: str) -> int | None:
    """An AG id from a PV select; "" or "none": no PV."""
    value = value.strip()
    if value in ("", "none"):
        return None
    try:
        return int(value)
    except ValueError as error:
        raise ValidationError(N_("Unknown action.")) from error


def block_texts(form: dict[str, str]) -> dict[str, dict[str, str]]:
    """The words of a block per language from ``body_fr``, ``label_nl``… fields."""
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        values = {name: form[f"{name}_{lang}"] for name in BLOCK_WORDS if f"{name}_{lang}" in form}
        if values:
            texts[lang] = values
    return texts


def image_upload(value: object) -> FileUpload | None:
    """An uploaded picture of a block as the service takes it; None: no file chosen."""
    if not isinstance(value, UploadFile):
        return None
    read = read_upload(value)  # type: ignore[arg-type]
    if read is None:
        return None
    return read[0], value.content_type or "application/octet-stream", read[1]


#: ``annex_label_12_nl``: the Dutch label of annex 12
_ANNEX_LABEL = re.compile(r"annex_label_(\d{1,12})_([a-z]{2})")
#: ``minutes_from_4``: the PV chosen for AG 4
_MINUTES = re.compile(r"minutes_from_(\d{1,12})")
#: ``block_3_body_fr``, ``block_3_place``, ``block_3_image``: a field of block 3
_BLOCK = re.compile(r"block_(\d{1,12})_(\w{1,20})")


def _block_edit(
    values: dict[str, str], image: FileUpload | None, images: dict[str, FileUpload]
) -> BlockEdit:
    return BlockEdit(
        place=values.get("place"), audience=values.get("audience"),
        texts=block_texts(values) or None, url=values.get("url"), image=image,
        images=images or None,
    )  # fmt: skip


async def composer_fields(
    request: Request,
    composer: str = Form(""),
    title: str = Form(""),
    introduction: str = Form(""),
    lists: list[str] = Form([]),
    public: str = Form(""),
    bilingual: str = Form(""),
    title_fr: str | None = Form(None),
    introduction_fr: str | None = Form(None),
    title_nl: str | None = Form(None),
    introduction_nl: str | None = Form(None),
) -> ComposerFields:
    annex_labels: dict[int, dict[str, str]] = {}
    minutes: dict[int, str] = {}
    block_values: dict[int, dict[str, str]] = {}
    images: dict[int, FileUpload] = {}
    per_language: dict[int, dict[str, FileUpload]] = {}
    raw: dict[str, str] = {}
    if composer == "1":
        for key, value in (await request.form()).multi_items():
            block = _BLOCK.fullmatch(key)
            if not isinstance(value, str):
                if block and (image := image_upload(value)):
                    name, lang = block.group(2), block.group(2).removeprefix("image_")
                    if name == "image":
                        images[int(block.group(1))] = image
                    elif lang in LANGUAGES:
                        per_language.setdefault(int(block.group(1)), {})[lang] = image
                continue
            raw.setdefault(key, value)
            if found := _ANNEX_LABEL.fullmatch(key):
                if found.group(2) in LANGUAGES:
                    annex_labels.setdefault(int(found.group(1)), {})[found.group(2)] = value
            elif found := _MINUTES.fullmatch(key):
                minutes[int(found.group(1))] = value
            elif block:
                block_values.setdefault(int(block.group(1)), {})[block.group(2)] = value
    blocks = {
        block_id: _block_edit(
            block_values.get(block_id, {}), images.get(block_id), per_language.get(block_id, {})
        )
        for block_id in block_values.keys() | images.keys() | per_language.keys()
    }
    return ComposerFields(
        sent=composer == "1", title=title, introduction=introduction, lists=lists,
        public=public == "yes", bilingual=bilingual == "yes",
        other={"fr": {"title": title_fr, "introduction": introduction_fr},
               "nl": {"title": title_nl, "introduction": introduction_nl}},
        annex_labels=annex_labels, minutes=minutes, blocks=blocks, raw=raw,
    )  # fmt: skip


ComposerDep = Annotated[ComposerFields, Depends(composer_fields)]
