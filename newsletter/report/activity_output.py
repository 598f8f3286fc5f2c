"""The yearly activity report as ``activity.html``, ``activity.pdf`` and ``activity.csv``.

The HTML is ``templates/activity.html`` (restylable like the e-mail); WeasyPrint lays the
PDF out from it and may load nothing but ``data:`` URIs. The CSV has one figure a line
(section; date; subject; measure; value), labels in the report's language, every cell
through the directory export's ``spreadsheet_safe`` (an organisation's name or a title
that starts like a formula is never run).
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from newsletter.audience.directory import spreadsheet_safe
from newsletter.config import Settings
from newsletter.i18n import N_, gettext
from newsletter.render.templating import environment_for
from newsletter.report.activity import ActivityReport
from newsletter.versions import FALLBACK_NOTES

CSV_HEADER = (N_("section"), N_("date"), N_("subject"), N_("measure"), N_("value"))
LABELS = {
    "assembly": N_("general assembly"),
    "issue": N_("issue"),
    "mailing": N_("mailing"),
    "contribution": N_("contribution"),
    "directory": N_("directory"),
    "reach": N_("reach"),
    "people": N_("people"),
    "partners": N_("partners"),
    "counted_from": N_("counted from"),
    "attendance": N_("attendance"),
    "answers": N_("answers to the invitation"),
    "recipients": N_("recipients"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "unsubscribes": N_("unsubscribes"),
    "form": N_("form"),
    "email": N_("e-mail"),
    "console": N_("console"),
    "full_members": N_("full members (effectifs)"),
    "associate_members": N_("associate members (adhérents)"),
    "organisations": N_("organisations"),
    "new_organisation": N_("new organisation"),
    "departed_organisation": N_("departed organisation"),
    "services": N_("services"),
}


def activity_html(settings: Settings, report: ActivityReport, lang: str) -> str:
    env = environment_for(settings, lang)
    return env.get_template("activity.html").render(
        report=report, lang=lang, fallback_notes=FALLBACK_NOTES
    )


def activity_pdf(settings: Settings, report: ActivityReport, lang: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    html = activity_html(settings, report, lang)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


def activity_csv(settings: Settings, report: ActivityReport, lang: str) -> bytes:
    zone = ZoneInfo(settings.timezone)

    def label(key: str) -> str:
        return gettext(lang, LABELS[key])

    def day(value: object) -> str:
        return value.astimezone(zone).date().isoformat() if hasattr(value, "astimezone") else ""

    rows: list[tuple[object, ...]] = []
    for ag in report.assemblies:
        subject = ag.title
        rows += [
            (label("assembly"), day(ag.starts_at), subject, label("people"), ag.people),
            (label("assembly"), day(ag.starts_at), subject, label("partners"), ag.organisations),
            (label("assembly"), day(ag.starts_at), subject, label("counted_from"),
             label("attendance" if ag.from_attendance else "answers")),
        ]  # fmt: skip
    for s in report.sends:
        for key, value in (("recipients", s.recipients), ("delivered", s.delivered),
                           ("failed", s.failed), ("unsubscribes", s.unsubscribed)):  # fmt: skip
            rows.append((label(s.kind), day(s.sent_at), s.title, label(key), value))
    for c in report.contributions:
        for key in ("form", "email", "console"):
            rows.append((label("contribution"), "", c.organisation, label(key), getattr(c, key)))
    end = f"{report.year}-12-31"
    d = report.directory
    rows += [
        (label("directory"), end, "", label("full_members"), d.full_members),
        (label("directory"), end, "", label("associate_members"), d.associate_members),
        (label("directory"), end, "", label("organisations"), d.organisations),
    ]
    rows += [(label("directory"), end, name, label("new_organisation"), 1) for name in d.new]
    rows += [
        (label("directory"), end, name, label("departed_organisation"), 1) for name in d.departed
    ]
    rows += [
        (label("reach"), end, "", label("people"), report.reach.people),
        (label("reach"), end, "", label("services"), report.reach.services),
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([gettext(lang, h) for h in CSV_HEADER])
    for row in rows:
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
