"""The composer's fields, sent with every button of the page (texts, lists, the labels of
the annexes).

Every button of the composer (move or remove an item, add or remove an annex or choose who
gets it, add or take out an AG and choose its PV, add, change, move or remove a block, test,
send, schedule, duplicate) submits the one composer form, with its own ``formaction``: a
browser without JavaScript thus sends what was typed along with the action, and the
action's route saves it first (``save_first``) — no button throws typed input away. The
marker field ``composer`` tells a full composer form from a bare action (the CLI-like
posts of scripts and older pages, which change nothing else).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Form
from starlette.requests import Request

from newsletter.i18n import LANGUAGES
from newsletter.service import Service


@dataclass(frozen=True)
class ComposerFields:
    """What the composer form holds besides the action: the original's title and
    introduction, the other language's (``title_nl``… when the original is French),
    lists, public, bilingual."""

    sent: bool
    title: str
    introduction: str
    lists: list[str]
    public: bool
    bilingual: bool
    other: dict[str, dict[str, str | None]]
    #: the labels of the annexes already attached: ``{annex_id: {"fr": …, "nl": …}}``
    annex_labels: dict[int, dict[str, str]] = field(default_factory=dict)

    def save(self, service: Service, issue_id: int) -> None:
        """Store the fields (ValidationError: the texts are not stored)."""
        service.editorial.edit_issue(
            issue_id, title=self.title, introduction=self.introduction, lists=self.lists,
            public=self.public, bilingual=self.bilingual,
            texts={lang: texts for lang, texts in self.other.items()
                   if any(value is not None for value in texts.values())},
        )  # fmt: skip
        for annex_id, labels in self.annex_labels.items():
            service.editorial.set_annex_labels(issue_id, annex_id, labels)

    def save_first(self, service: Service, issue_id: int) -> None:
        """Before an action: store the fields when the whole form came with it."""
        if self.sent:
            self.save(service, issue_id)


#: ``annex_label_12_nl``: the Dutch label of annex 12
_ANNEX_LABEL = re.compile(r"annex_label_(\d{1,12})_([a-z]{2})")


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
    if composer == "1":
        for key, value in (await request.form()).multi_items():
            found = _ANNEX_LABEL.fullmatch(key)
            if found and found.group(2) in LANGUAGES and isinstance(value, str):
                annex_labels.setdefault(int(found.group(1)), {})[found.group(2)] = value
    return ComposerFields(
        sent=composer == "1", title=title, introduction=introduction, lists=lists,
        public=public == "yes", bilingual=bilingual == "yes",
        other={"fr": {"title": title_fr, "introduction": introduction_fr},
               "nl": {"title": title_nl, "introduction": introduction_nl}},
        annex_labels=annex_labels,
    )  # fmt: skip


ComposerDep = Annotated[ComposerFields, Depends(composer_fields)]
