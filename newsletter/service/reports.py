"""Service of the reports: the delivery report of an issue (``issue_report``), the
printable edition, the bounce overview and the yearly activity report. Console and CLI
call these; the layout lives in ``newsletter.report``."""

from __future__ import annotations

from newsletter.context import Context
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.render.model import load_issue_view
from newsletter.service.bounce_overview import BounceOverview
from newsletter.service.issue_report import IssueReports


class ReportsService(IssueReports, BounceOverview):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)

    def print_issue(self, issue_id: int, lang: str = "fr") -> bytes:
        """The printable edition of an issue: an A4 PDF (large type, QR codes, no tracking)."""
        from newsletter.report.printable import printable_pdf  # WeasyPrint only when asked

        if lang not in LANGUAGES:
            raise ValidationError(N_("Language must be fr or nl."))
        with self.ctx.db.session() as session:
            view = load_issue_view(session, self.ctx.settings, issue_id)
        return printable_pdf(self.ctx.settings, view, lang)
