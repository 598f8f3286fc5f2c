"""The attendance sheet of an AG as a page and a PDF: ``templates/attendance_sheet.html``
(restylable like the e-mail templates) over the rows of ``editorial.sheet``, turned into a
PDF by WeasyPrint, loaded only when a sheet is asked for.
"""

from __future__ import annotations

from newsletter.config import Settings
from newsletter.editorial.sheet import BLANK_ROWS, SheetRow
from newsletter.render.templating import environment
from newsletter.store.editorial import Assembly


def sheet_html(settings: Settings, assembly: Assembly, rows: list[SheetRow], lang: str) -> str:
    env = environment(settings.templates_dir.resolve(), lang, settings.timezone)
    return env.get_template("attendance_sheet.html").render(
        assembly=assembly,
        rows=rows,
        blank_rows=BLANK_ROWS,
        organisation_name=settings.organisation_name,
    )


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint over HTML that refers to nothing outside itself."""
    from weasyprint import HTML

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"the attendance sheet loads nothing from outside ({url[:80]})")

    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
