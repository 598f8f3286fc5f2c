"""Every message shown to people has a French and a Dutch translation."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir

from newsletter.i18n import LANGUAGES, catalogue_files, translations

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"N_": None, "_": None, "gettext": (2,), "ngettext": (2, 3)}
METHODS = [
    ("newsletter/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
    ("newsletter/web/templates/**.html", "jinja2"),
]


def _msgids() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_catalogues_cover_every_message() -> None:
    msgids = _msgids()
    assert len(msgids) > 20
    for lang in LANGUAGES:
        catalogue = translations(lang)
        missing = sorted(m for m in msgids if catalogue.gettext(m) == m and not _same(m, lang))
        assert missing == [], f"untranslated in {lang}: {missing}"


def _same(msgid: str, lang: str) -> bool:
    """A translation identical to the English id (e.g. 'E-mail') is kept as a real entry."""
    from babel.messages.pofile import read_po

    for po in (ROOT / "newsletter" / "locale" / lang / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            message = read_po(handle).get(msgid)
        if message is not None and message.string:
            return True
    return False


def test_no_message_is_translated_twice_differently() -> None:
    """Catalogues are merged at load time: the same id in two files must agree."""
    from babel.messages.pofile import read_po

    for lang in LANGUAGES:
        seen: dict[str, tuple[str, str]] = {}
        clashes = []
        for po in sorted((ROOT / "newsletter" / "locale" / lang / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as handle:
                for message in read_po(handle):
                    if not message.id or not message.string:
                        continue
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    string = "\x00".join(
                        [message.string] if isinstance(message.string, str) else message.string
                    )
                    if key in seen and seen[key][1] != string:
                        clashes.append((key, seen[key][0], po.name))
                    seen.setdefault(key, (po.name, string))
        assert clashes == [], f"{lang}: same id, different translations: {clashes}"


def test_the_languages_are_listed_once() -> None:
    """Code names the languages through ``i18n.LANGUAGES``, never as its own tuple
    (comments may show the value)."""
    import re

    literal = re.compile(r"""[(\[]\s*["'](fr|nl)["']\s*,\s*["'](fr|nl)["']\s*,?\s*[)\]]""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "newsletter").rglob("*.py"))
        if path.name != "i18n.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line.split("#", 1)[0])
    ]
    assert found == []


def _babel_table(lang: str) -> tuple[dict[object, str], gettext.GNUTranslations]:
    """The catalogues merged by Babel, written as a .mo file and read by gettext."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang)
    for po_file in catalogue_files(lang):
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    buffer = BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    reference = gettext.GNUTranslations(buffer)
    table = {k: v for k, v in reference._catalog.items() if k != ""}  # type: ignore[attr-defined]
    return table, reference


def test_catalogues_read_as_babel_and_gettext_read_them() -> None:
    for lang in LANGUAGES:
        table, reference = _babel_table(lang)
        ours = translations(lang)
        assert ours._catalog == table  # type: ignore[attr-defined]
        assert len(table) > 500
        for n in range(0, 12):
            assert ours.plural(n) == reference.plural(n)  # type: ignore[attr-defined]


PO_SAMPLE = r"""# a comment
msgid ""
msgstr ""
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: somewhere.py:1
msgid "Plain"
msgstr "Gewoon"

#, python-format, fuzzy
msgid "Fuzzy"
msgstr "Vaag"

msgid "Untranslated"
msgstr ""

msgid ""
"Multi "
"line \"quoted\"\t\\n"
msgstr ""
"Meer "
"regels \"aangehaald\"\t\\n\n"

msgctxt "menu"
msgid "Open"
msgstr "Openen"

msgid "Open"
msgstr "Open (zonder context)"

msgid "{n} file"
msgid_plural "{n} files"
msgstr[0] "{n} bestand"
msgstr[1] ""

#~ msgid "Gone"
#~ msgstr "Weg"

msgid "Escapes \a \\ \r"
msgstr "Tekens \a \\ \r"
"""


def test_the_catalogue_reader_follows_babel(tmp_path: Path) -> None:
    """Fuzzy, empty, obsolete, context, plural, continuation lines and escapes."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from newsletter.po import message_table

    first, second = tmp_path / "a.po", tmp_path / "b.po"
    first.write_text(PO_SAMPLE, encoding="utf-8")
    second.write_text('msgid "Plain"\nmsgstr "Later"\n\nmsgid "New"\nmsgstr "Nieuw"\n')
    merged = Catalog(locale="nl")
    for path in (first, second):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="nl"):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    buffer = BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    expected = gettext.GNUTranslations(buffer)._catalog  # type: ignore[attr-defined]
    del expected[""]
    table = message_table([first, second], 2)
    assert table == expected
    assert (
        table["Plain"] == "Gewoon"
        and table["New"] == "Nieuw"
        and "Fuzzy" not in table
        and "Gone" not in table
    )
    assert table["menu\x04Open"] == "Openen" and table[("{n} file", 1)] == "{n} files"
