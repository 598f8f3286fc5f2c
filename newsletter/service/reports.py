"""Service of the reports: the delivery report of an issue (``issue_report``), the
printable edition, the bounce overview and the yearly activity report. Console and CLI
call these; the layout lives in ``newsletter.report``."""

from __future__ import annotations

from newsletter.context import Context
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.render.model import load_issue_view
from newsletter.report.activity import ActivityReport, gather
from newsletter.service.bounce_overview import BounceOverview
from newsletter.service.issue_report import IssueReports


class ReportsService(IssueReports, BounceOverview):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)

    def activity(self, year: int, lang: str = "fr") -> ActivityReport:
        """The figures of the yearly activity report (``report.activity``); titles, agendas
        and speakers in their ``lang`` version, else the other one (marked fallback)."""
        if not 2000 <= year <= 2100:
            raise ValidationError(N_("The year must be between 2000 and 2100."))
        if lang not in LANGUAGES:
            raise ValidationError(N_("Language must be fr or nl."))
        settings = self.ctx.settings
        with self.ctx.db.session() as session:
            return gather(
                session, year, settings.timezone, settings.organisation_name_in(lang), lang
            )

    def activity_files(self, year: int, lang: str = "fr") -> dict[str, bytes]:
        """``activity.html``, ``activity.pdf`` and ``activity.csv`` of ``year``."""
        from newsletter.report import activity_output as output  # WeasyPrint when asked

        report = self.activity(year, lang)
        settings = self.ctx.settings
        return {
            "activity.html": output.activity_html(settings, report, lang).encode("utf-8"),
            "activity.pdf": output.activity_pdf(settings, report, lang),
            "activity.csv": output.activity_csv(settings, report, lang),
        }

    def activity_file(self, year: int, kind: str, lang: str = "fr") -> bytes:
        """One of the three files (``html``, ``pdf`` or ``csv``), for the console."""
        from newsletter.report import activity_output as output

        report = self.activity(year, lang)
        settings = self.ctx.settings
        if kind == "html":
            return output.activity_html(settings, report, lang).encode("utf-8")
        if kind == "pdf":
            return output.activity_pdf(settings, report, lang)
        if kind == "csv":
            return output.activity_csv(settings, report, lang)
        raise ValidationError(N_("Unknown file kind '{kind}'."), kind=kind)

    def print_issue(self, issue_id: int, lang: str = "fr") -> bytes:
        """The printable edition of an issue: an A4 PDF (large type, QR codes, no tracking)."""
        from newsletter.report.printable import printable_pdf  # WeasyPrint only when asked

        if lang not in LANGUAGES:
            raise ValidationError(N_("Language must be fr or nl."))
        with self.ctx.db.session() as session:
            view = load_issue_view(session, self.ctx.settings, issue_id, lang)
        return printable_pdf(self.ctx.settings, view, lang)
