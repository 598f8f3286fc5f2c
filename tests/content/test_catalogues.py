"""Every message of the editorial and render code and of the templates is in French and Dutch."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from newsletter.i18n import LANGUAGES, translations
from tests.test_i18n import _same

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"N_": None, "_": None, "gettext": (2,), "ngettext": (2, 3)}


def message_ids() -> set[str]:
    ids: set[str] = set()
    for folder in ("intake", "editorial", "render", "cli/editorial.py", "service/editorial.py"):
        path = ROOT / "newsletter" / folder
        if path.is_file():
            directory, pattern = path.parent, path.name
        else:
            directory, pattern = path, "**.py"
        for found in extract_from_dir(str(directory), method_map=[(pattern, "python")],
                                      keywords=KEYWORDS):  # fmt: skip
            ids.add(str(found[2]))
    options = {"extensions": "jinja2.ext.i18n"}
    for found in extract_from_dir(
        str(ROOT / "templates"),
        method_map=[("**.html", "jinja2"), ("**.txt", "jinja2")],
        options_map={"**.html": options, "**.txt": options},
    ):
        ids.add(str(found[2]))
    return ids


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang: str) -> None:
    ids = message_ids()
    assert len(ids) > 60
    catalogue = translations(lang)
    # a translation written the same as the English id ("Total", "Date") is a real entry
    missing = [
        msgid for msgid in ids if catalogue.gettext(msgid) == msgid and not _same(msgid, lang)
    ]
    assert missing == []
