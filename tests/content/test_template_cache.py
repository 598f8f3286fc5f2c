"""Compiled templates kept in the data folder for the next process: used while the
template is unchanged, compiled again when its source changes, ignored when damaged."""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from newsletter.render.templating import SharedBytecode


def _render(templates: Path, cache: Path) -> tuple[str, SharedBytecode]:
    """A new process's view: an empty in-memory store over the same folder."""
    bytecode = SharedBytecode()
    bytecode.folder = cache
    env = Environment(loader=FileSystemLoader(str(templates)), bytecode_cache=bytecode)
    return env.get_template("page.html").render(name="Anne"), bytecode


def test_compiled_templates_are_kept_checked_and_replaced(tmp_path: Path) -> None:
    templates, cache = tmp_path / "templates", tmp_path / "data" / "cache" / "templates"
    templates.mkdir()
    page = templates / "page.html"
    page.write_text("Bonjour {{ name }}")
    first, _ = _render(templates, cache)
    assert first == "Bonjour Anne"
    (kept,) = cache.iterdir()
    assert kept.suffix == ".cache" and kept.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    # the next process loads it: the code in the file is what runs
    again, bytecode = _render(templates, cache)
    assert again == "Bonjour Anne" and kept.name.removesuffix(".cache") in bytecode._store
    # an edited template is compiled again, never the old code
    page.write_text("Dag {{ name }}")
    os.utime(page, (1, 1))
    edited, _ = _render(templates, cache)
    assert edited == "Dag Anne"
    # a damaged file is ignored (and replaced)
    kept.write_bytes(b"not compiled code")
    damaged, _ = _render(templates, cache)
    assert damaged == "Dag Anne"
    assert kept.read_bytes() != b"not compiled code"


def test_a_folder_that_cannot_be_written_only_means_compiling_again(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("Bonjour {{ name }}")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be")
    text, _ = _render(templates, blocked / "templates")
    assert text == "Bonjour Anne"
