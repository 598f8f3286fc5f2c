"""``issue block …``: the coordinator's own blocks of an issue (text, image, button) —
list, add, edit, move, remove — through the same service functions as the composer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from newsletter.cli.common import _, console, issue_app, print_json, service, shown
from newsletter.cli.editorial import JsonOption, read_text
from newsletter.models import FileUpload
from newsletter.service import Service
from newsletter.service.issue_content import BlockEdit, BlockRow

block_app = typer.Typer(help="The coordinator's own blocks of an issue: text, image, button.")
issue_app.add_typer(block_app, name="block")

IssueArg = Annotated[int, typer.Argument(metavar="ID")]
BlockArg = Annotated[int, typer.Argument(metavar="BLOCK_ID")]
TextFr = Annotated[Path | None, typer.Option(help="French text (Markdown file).")]
TextNl = Annotated[Path | None, typer.Option(help="Dutch text (Markdown file).")]
LabelFr = Annotated[str | None, typer.Option(help="French words of the button.")]
LabelNl = Annotated[str | None, typer.Option(help="Dutch words of the button.")]
UrlOption = Annotated[str | None, typer.Option(help="Where the button leads (http(s)://).")]
ImageOption = Annotated[Path | None, typer.Option(help="The image (JPEG or PNG).")]
ImageFr = Annotated[
    Path | None, typer.Option(help="The image of the French version (JPEG or PNG).")
]
ImageNl = Annotated[Path | None, typer.Option(help="The image of the Dutch version (JPEG or PNG).")]
AltFr = Annotated[str | None, typer.Option(help="French description of the image.")]
AltNl = Annotated[str | None, typer.Option(help="Dutch description of the image.")]
PlaceOption = Annotated[
    str | None, typer.Option(help="introduction, assemblies, a category (section) or end.")
]
AudienceOption = Annotated[
    str | None, typer.Option(help="all, members, effectif, adherent or public.")
]


def block_json(row: BlockRow) -> dict[str, Any]:
    """``{"id","kind","place","audience","url","image","images":{"fr","nl"},
    "texts":{"fr":{…},"nl":{…}},"languages"}`` — ``texts`` holds the kind's own words
    only; ``images``: each version's own picture (null: it shows the original's)."""
    word = {"text": "body", "button": "label", "image": "image_alt"}[row.kind]
    return {
        "id": row.id, "kind": row.kind, "place": row.place, "audience": row.audience,
        "url": row.url, "image": row.image_name or None,
        "images": {lang: name or None for lang, name in row.image_names.items()},
        "texts": {lang: {word: values[word]} for lang, values in row.texts.items()},
        "languages": row.languages,
    }  # fmt: skip


def _texts(
    text_fr: Path | None, text_nl: Path | None, label_fr: str | None, label_nl: str | None,
    alt_fr: str | None, alt_nl: str | None,
) -> dict[str, dict[str, str]]:  # fmt: skip
    """The words given on the command line, per language (those not given: unchanged)."""
    given = {
        "fr": {"body": read_text(text_fr) if text_fr else None, "label": label_fr,
               "image_alt": alt_fr},
        "nl": {"body": read_text(text_nl) if text_nl else None, "label": label_nl,
               "image_alt": alt_nl},
    }  # fmt: skip
    texts = {lang: {k: v for k, v in values.items() if v is not None}
             for lang, values in given.items()}  # fmt: skip
    return {lang: values for lang, values in texts.items() if values}


def _upload(image: Path | None) -> FileUpload | None:
    if image is None:
        return None
    if not image.is_file():
        raise typer.BadParameter(_("No such file: {path}").format(path=shown(image)))
    return image.name, "application/octet-stream", image.read_bytes()


def _row(svc: Service, issue_id: int, block_id: int) -> BlockRow:
    rows = svc.issue_content.content(issue_id).blocks
    return next(row for row in rows if row.id == block_id)


@block_app.command("list")
def issue_block_list(issue_id: IssueArg, as_json: JsonOption = False) -> None:
    """The blocks in the order of the issue: ``[{"id","kind","place","audience","url",
    "image","texts","languages"}]`` with --json."""
    with service() as svc:
        rows = svc.issue_content.content(issue_id).blocks
    if as_json:
        print_json([block_json(row) for row in rows])
        return
    for row in rows:
        console.print(
            f"{row.id}\t{row.kind}\t{shown(row.place)}\t{row.audience}\t" + ",".join(row.languages)
        )


@block_app.command("add")
def issue_block_add(
    issue_id: IssueArg,
    kind: Annotated[str, typer.Option("--kind", help="text, image or button.")],
    text_fr: TextFr = None, text_nl: TextNl = None, label_fr: LabelFr = None,
    label_nl: LabelNl = None, url: UrlOption = None, image: ImageOption = None,
    alt_fr: AltFr = None, alt_nl: AltNl = None, place: PlaceOption = None,
    audience: AudienceOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Add a block between the sections; prints {"id": …} with --json."""
    texts = _texts(text_fr, text_nl, label_fr, label_nl, alt_fr, alt_nl)
    with service() as svc:
        block_id = svc.issue_content.add_block(
            issue_id, kind, place=place or "introduction", audience=audience or "all",
            texts=texts, url=url or "", image=_upload(image),
        )  # fmt: skip
    if as_json:
        print_json({"id": block_id})
    else:
        console.print(_("Block {id} added.").format(id=block_id))


@block_app.command("edit")
def issue_block_edit(
    issue_id: IssueArg, block_id: BlockArg,
    text_fr: TextFr = None, text_nl: TextNl = None, label_fr: LabelFr = None,
    label_nl: LabelNl = None, url: UrlOption = None, image: ImageOption = None,
    alt_fr: AltFr = None, alt_nl: AltNl = None, image_fr: ImageFr = None,
    image_nl: ImageNl = None, place: PlaceOption = None, audience: AudienceOption = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Change a block of a draft issue: what is given, the rest unchanged (an empty
    value takes that language's version out). Prints the block with --json."""
    images = {lang: upload for lang, path in (("fr", image_fr), ("nl", image_nl))
              if (upload := _upload(path)) is not None}  # fmt: skip
    edit = BlockEdit(
        place=place, audience=audience, url=url, image=_upload(image), images=images or None,
        texts=_texts(text_fr, text_nl, label_fr, label_nl, alt_fr, alt_nl) or None,
    )  # fmt: skip
    with service() as svc:
        errors = svc.issue_content.save_blocks(issue_id, {block_id: edit})
        if block_id in errors:
            raise errors[block_id]
        row = _row(svc, issue_id, block_id)
    if as_json:
        print_json(block_json(row))
    else:
        console.print(_("Block {id} saved.").format(id=block_id))


@block_app.command("move")
def issue_block_move(
    issue_id: IssueArg, block_id: BlockArg,
    up: Annotated[bool, typer.Option("--up", help="One step up.")] = False,
    down: Annotated[bool, typer.Option("--down", help="One step down.")] = False,
    steps: Annotated[int, typer.Option(min=1, max=100, help="How many steps.")] = 1,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Move a block up or down among the blocks (into the previous or next place when it
    is the first or last of its own); prints the blocks in order with --json."""
    if up == down:
        raise typer.BadParameter(_("Give --up or --down."))
    with service() as svc:
        for _step in range(steps):
            svc.issue_content.move_block(issue_id, block_id, -1 if up else 1)
        rows = svc.issue_content.content(issue_id).blocks
    if as_json:
        print_json([block_json(row) for row in rows])
    else:
        row = next(row for row in rows if row.id == block_id)
        console.print(_("Block {id} moved: {place}.").format(id=block_id, place=shown(row.place)))


@block_app.command("remove")
def issue_block_remove(issue_id: IssueArg, block_id: BlockArg) -> None:
    """Take a block out of a draft issue."""
    with service() as svc:
        svc.issue_content.remove_block(issue_id, block_id)
    console.print(_("Block {id} removed.").format(id=block_id))
