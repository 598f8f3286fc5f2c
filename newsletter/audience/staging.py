"""Directory files waiting between the console's two steps (upload → matching → confirm),
and the matchings remembered for files with the same headers. Kept in DATA_DIR/imports."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from newsletter.audience.tables import SPREADSHEET_SUFFIXES
from newsletter.errors import NotFoundError
from newsletter.i18n import N_

_TOKEN = re.compile(r"[0-9a-f]{32}")
#: staged files older than this are removed
KEEP_SECONDS = 24 * 3600


def folder(data_dir: Path) -> Path:
    path = data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stage(data_dir: Path, data: bytes, filename: str) -> str:
    """Keep an uploaded file; its token names it (never the uploaded name)."""
    base = folder(data_dir)
    _clean(base)
    token = secrets.token_hex(16)
    suffix = Path(filename).suffix.lower()
    kind = suffix if suffix in SPREADSHEET_SUFFIXES else ".csv"
    (base / f"{token}{kind}").write_bytes(data)
    (base / f"{token}.json").write_text(json.dumps({"filename": Path(filename).name[:200]}))
    return token


def staged(data_dir: Path, token: str) -> tuple[Path, str]:
    """The staged file and the name it was uploaded with."""
    base = folder(data_dir)
    if _TOKEN.fullmatch(token):
        meta = base / f"{token}.json"
        files = [p for p in base.glob(f"{token}.*") if p.suffix not in (".json", ".rejected")]
        if meta.exists() and files:
            return files[0], str(json.loads(meta.read_text())["filename"])
    raise NotFoundError(N_("This import is no longer available: upload the file again."))


def save_rejected(data_dir: Path, token: str, data: bytes) -> None:
    staged(data_dir, token)
    (folder(data_dir) / f"{token}.rejected").write_bytes(data)


def rejected(data_dir: Path, token: str) -> bytes:
    staged(data_dir, token)
    path = folder(data_dir) / f"{token}.rejected"
    if not path.exists():
        raise NotFoundError(N_("This import is no longer available: upload the file again."))
    return path.read_bytes()


def remembered(data_dir: Path, signature: str) -> list[str | None] | None:
    path = folder(data_dir) / "matchings.json"
    if not path.exists():
        return None
    found = json.loads(path.read_text()).get(signature)
    return list(found) if isinstance(found, list) else None


def remember(data_dir: Path, signature: str, fields: list[str | None]) -> None:
    path = folder(data_dir) / "matchings.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[signature] = fields
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(known, ensure_ascii=False))
    temporary.replace(path)


def _clean(base: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in base.iterdir():
        if _TOKEN.fullmatch(path.stem) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
