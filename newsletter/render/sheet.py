"""The attendance sheet of an AG as a page and a PDF: ``templates/attendance_sheet.html``
(restylable like the e-mail templates) over the rows of ``editorial.sheet``, turned into a
PDF by WeasyPrint, loaded only when a sheet is asked for.
"""

from __future__ import annotations

from newsletter import versions
from newsletter.config import Settings
from newsletter.editorial.sheet import BLANK_ROWS, SheetRow
from newsletter.render.templating import environment_for
from newsletter.store.editorial import Assembly
from newsletter.text import one_line


def sheet_html(settings: Settings, assembly: Assembly, rows: list[SheetRow], lang: str) -> str:
    """The sheet in ``lang``: the network's name and the AG's title and place in that
    language's version (the other one where it has none)."""
    env = environment_for(settings, lang)
    shown = versions.shown_language(assembly, lang)
    return env.get_template("attendance_sheet.html").render(
        assembly=assembly,
        title=one_line(str(versions.field_in(assembly, "title", shown)), 300),
        place=one_line(str(versions.pick(assembly, "place", shown)), 500),
        rows=rows,
        blank_rows=BLANK_ROWS,
        organisation_name=settings.organisation_name_in(lang),
    )


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint over HTML that refers to nothing outside itself."""
    from weasyprint import HTML

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"the attendance sheet loads nothing from outside ({url[:80]})")

    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
