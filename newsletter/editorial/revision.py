"""An issue's revision: a digest of everything its rendering reads.

The issue row (texts, lists, languages), its items and their news items with their
attachments, its AGs (and the AGs whose PV goes with them), its annexes, its blocks, and
the files these point to (their name, size and digest, not their bytes). Any change to
one of them — from the composer, the CLI, or an edit of a news item or an AG elsewhere —
gives another revision, so a result kept per revision is never stale. A few small
queries over plain columns: far cheaper than reading the issue to render it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, LargeBinary, Select, Table, select
from sqlalchemy.orm import Session

from newsletter.store.editorial import (
    Assembly,
    Issue,
    IssueAnnex,
    IssueAssembly,
    IssueBlock,
    IssueItem,
    NewsAttachment,
    NewsItem,
    StoredFile,
)


def _columns(model: Any) -> list[Column[Any]]:
    """A table's columns but its bytes (a file's digest says them)."""
    table: Table = model.__table__
    return [column for column in table.columns if not isinstance(column.type, LargeBinary)]


def issue_revision(session: Session, issue_id: int) -> str:
    """The digest of what the issue's rendering reads now (see the module)."""
    digest = hashlib.sha256()
    connection = session.connection()

    def add(label: str, query: Select[Any]) -> list[Any]:
        rows = list(connection.execute(query))
        digest.update(f"{label}:{len(rows)}\n".encode())
        for row in rows:
            digest.update(repr(tuple(row)).encode())
            digest.update(b"\n")
        return rows

    add("issue", select(*_columns(Issue)).where(Issue.id == issue_id))

    def of_issue(model: Any) -> Select[Any]:
        return select(*_columns(model)).where(model.issue_id == issue_id).order_by(model.id)

    items = add("items", of_issue(IssueItem))
    news_ids = sorted({row.news_id for row in items})
    news = add(
        "news", select(*_columns(NewsItem)).where(NewsItem.id.in_(news_ids)).order_by(NewsItem.id)
    )
    attachments = add(
        "attachments",
        select(*_columns(NewsAttachment))
        .where(NewsAttachment.news_id.in_(news_ids))
        .order_by(NewsAttachment.id),
    )
    links = add("assemblies", of_issue(IssueAssembly))
    assembly_ids = {row.assembly_id for row in links} | {
        row.minutes_from_id for row in links if row.minutes_from_id is not None
    }
    assemblies = add(
        "assembly",
        select(*_columns(Assembly)).where(Assembly.id.in_(assembly_ids)).order_by(Assembly.id),
    )
    annexes = add("annexes", of_issue(IssueAnnex))
    blocks = add("blocks", of_issue(IssueBlock))
    files = _file_ids(
        [row.image_id for row in news],
        [row.file_id for row in attachments],
        [row.minutes_file_id for row in assemblies],
        [row.minutes_final_file_id for row in assemblies],
        [row.file_id for row in annexes],
        [row.image_id for row in blocks],
        [_image_ids(row.translations) for row in blocks],
    )
    stored = select(*_columns(StoredFile)).where(StoredFile.id.in_(files))
    add("files", stored.order_by(StoredFile.id))
    return digest.hexdigest()


def _image_ids(translations: Any) -> list[int]:
    """The pictures an image block's other language versions name."""
    if not isinstance(translations, dict):
        return []
    found = []
    for version in translations.values():
        if isinstance(version, dict) and isinstance(version.get("image_id"), int):
            found.append(version["image_id"])
    return found


def _file_ids(*groups: Iterable[Any]) -> list[int]:
    ids: set[int] = set()
    for group in groups:
        for value in group:
            if isinstance(value, list):
                ids.update(value)
            elif isinstance(value, int):
                ids.add(value)
    return sorted(ids)
