"""Golden output of the fixture issue in French and Dutch, HTML and text.

Signed tokens (they carry a timestamp) are normalised before comparing. Regenerate the
golden files after an intended change with ``NEWSLETTER_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from newsletter.context import Context
from newsletter.i18n import LANGUAGES
from newsletter.render import prepare_issue, sample_personalization
from newsletter.render.preview import preview

GOLDEN = Path(__file__).parent / "golden"
_TOKENS = re.compile(
    r"/(u|preferences|files|rsvp)/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"
)


def normalise(text: str) -> str:
    return _TOKENS.sub(r"/\1/TOKEN", text.replace("\r\n", "\n"))


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("NEWSLETTER_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


READERS = [(lang, kind) for lang in LANGUAGES for kind in ("effectif", "adherent", "none")]


@pytest.mark.parametrize(("lang", "membership"), READERS)
def test_golden_html_and_text(ctx: Context, issue_id: int, lang: str, membership: str) -> None:
    """Each reader of an AG invitation (full member, associate, other) has their golden file."""
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant(lang, membership)
    assert variant.rsvp_assembly_id is not None
    values = sample_personalization(
        ctx.settings, issue_id, lang, assembly_id=variant.rsvp_assembly_id
    )
    result = preview(variant, values)
    assert "/rsvp/" in result.html and "/rsvp/" in result.text
    check_golden(f"issue-{lang}-{variant.block}.html", normalise(result.html))
    check_golden(f"issue-{lang}-{variant.block}.txt", normalise(result.text))


def test_variants_render_once_and_share_annexes(ctx: Context, issue_id: int) -> None:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    fr_member = prepared.variant("fr", "effectif")
    assert prepared.variant("fr", "effectif") is fr_member
    assert prepared.variant("fr", "adherent") is not fr_member
    assert prepared.variant("fr", "none") is not fr_member
    assert prepared.variant("de", "none") is prepared.variant("fr", "none")  # unknown → French
    assert prepared.variant("fr", "odd") is prepared.variant("fr", "none")  # unknown → public
    assert len(prepared._variants) == 3
    # greeting, web version, unsubscribe, preferences, RSVP
    assert fr_member.html.count("QZSLOT") == 5
    assert len(prepared.annex_parts) == 2  # PV + .ics, encoded once for every variant


def test_readable_everywhere(ctx: Context, issue_id: int) -> None:
    """lang set, alt texts on every image, CSS inlined, @media kept, nothing remote."""
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    html = prepared.variant("nl", "none").html
    assert '<html lang="nl">' in html
    assert re.findall(r"<img\b[^>]*>", html) and all(
        re.search(r'\balt="[^"]+"', tag) for tag in re.findall(r"<img\b[^>]*>", html)
    )
    assert 'lang="fr"' in html  # a French item inside the Dutch issue is marked as such
    assert 'class="masthead" style="' in html  # premailer inlined the styles
    assert "@media only screen and (max-width: 620px)" in html
    assert "<link" not in html and "@import" not in html
    assert "Algemene vergadering" in html and "donderdag 10 december 2026" in html
    # the Dutch version of the AG; its theme has no Dutch version: the French one is shown
    assert "Algemene vergadering van december" in html and "Begroting 2027" in html
    assert "Assemblée générale de décembre" not in html and "Logement et énergie" in html


def test_coordinator_templates_override_shipped_ones(
    ctx: Context, issue_id: int, tmp_path: Path
) -> None:
    (tmp_path / "email.css").write_text(
        ".masthead { background-color: #123456; }", encoding="utf-8"
    )
    settings = ctx.settings.model_copy(update={"templates_dir": tmp_path})
    with ctx.db.session() as session:
        prepared = prepare_issue(session, settings, issue_id)
    html = prepared.variant("fr", "none").html
    assert "background-color:#123456" in html.replace(" ", "")
    assert "Assemblée générale" in html  # issue.html still comes from the shipped folder


def test_a_template_without_unsubscribe_link_is_refused(
    ctx: Context, issue_id: int, tmp_path: Path
) -> None:
    from newsletter.errors import RenderError

    (tmp_path / "issue.txt").write_text(
        "{{ slot.greeting }}\n{{ issue.title }}\n", encoding="utf-8"
    )
    settings = ctx.settings.model_copy(update={"templates_dir": tmp_path})
    with ctx.db.session() as session:
        prepared = prepare_issue(session, settings, issue_id)
    with pytest.raises(RenderError) as raised:
        prepared.variant("fr", "none")
    assert "issue.txt" in raised.value.localized("fr")
    assert "désinscription" in raised.value.localized("fr")
    assert "uitschrijf" in raised.value.localized("nl")  # the cause is translated too


def test_voting_rights_differ_by_membership(ctx: Context, issue_id: int) -> None:
    """Full members vote (and may give a proxy), associates take part without a vote."""
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    texts = {(lang, kind): prepared.variant(lang, kind).text for lang, kind in READERS}
    assert "membre effectif du réseau" in texts["fr", "effectif"]
    assert "procuration" in texts["fr", "effectif"]
    assert "sans droit de vote" in texts["fr", "adherent"]
    assert "procuration" not in texts["fr", "adherent"]
    assert "ouverte à toute personne" in texts["fr", "none"]
    assert "effectief lid van het netwerk" in texts["nl", "effectif"]
    assert "volmacht" in texts["nl", "effectif"]
    assert "zonder stemrecht" in texts["nl", "adherent"]
    assert "staat open voor iedereen" in texts["nl", "none"]
    assert len(set(texts.values())) == 6
