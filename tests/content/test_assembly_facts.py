"""The facts of an AG (when, where, theme, agenda, speakers) are written once, in
``templates/assembly_facts.html``, for the e-mail and the printed edition: a coordinator
who restyles that one file changes both."""

from __future__ import annotations

from pathlib import Path

from newsletter.context import Context
from newsletter.render import prepare_issue, sample_personalization
from newsletter.render.model import load_issue_view
from newsletter.render.preview import preview
from newsletter.report.printable import printable_html

OWN = """{% macro facts(ag, printed=False) -%}
<p class="own-facts">{{ ag.title }} — {{ ag.speakers|length }} {% if printed %}imprimé{% else %}courriel{% endif %}</p>
{%- endmacro %}
"""  # noqa: E501


def _email_and_print(ctx: Context, issue_id: int) -> tuple[str, str]:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
        view = load_issue_view(session, ctx.settings, issue_id, "fr")
    variant = prepared.variant("fr", "full")
    values = sample_personalization(
        ctx.settings, issue_id, "fr", assembly_id=variant.rsvp_assembly_id
    )
    return preview(variant, values).html, printable_html(ctx.settings, view, "fr")


def test_one_template_gives_the_facts_of_an_assembly_to_the_email_and_the_print(
    ctx: Context, issue_id: int, tmp_path: Path
) -> None:
    email, printed = _email_and_print(ctx, issue_id)
    for page in (email, printed):
        assert "Logement et énergie" in page and "Intervenant·es" in page  # theme, speakers
        assert "own-facts" not in page
    own = tmp_path / "templates"
    own.mkdir()
    (own / "assembly_facts.html").write_text(OWN, encoding="utf-8")
    restyled = Context(settings=ctx.settings.model_copy(update={"templates_dir": own}), db=ctx.db)
    email, printed = _email_and_print(restyled, issue_id)
    assert "courriel</p>" in email and "imprimé</p>" in printed
    for page in (email, printed):
        assert "own-facts" in page
        assert "Logement et énergie" not in page and "Intervenant·es" not in page
