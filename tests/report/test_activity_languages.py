"""The yearly activity report in the report's language: AG titles, places, agendas and
speakers and the titles of the issues in their version in that language, else the other
version with the note the e-mail shows; read back from the HTML and the PDF's text."""

from __future__ import annotations

import html
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from newsletter.models import DeliveryStatus, IssueStatus, Language, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Delivery, Send
from newsletter.store.editorial import Assembly, Issue
from tests.support.cli import Cli
from tests.web.conftest import Browser

FR_ONLY_NOTE = "Dit bericht is enkel in het Frans beschikbaar."
NL_ONLY_NOTE = "Ce message n'existe qu'en néerlandais."


def build_bilingual_year(service: Service) -> None:
    """Three AGs (FR+NL, FR only, NL only) and two issues (FR+NL, FR only) in 2025."""
    with service.ctx.db.session() as session:
        person = Subscriber(email="p@example.org", email_key="p@example.org", name="P",
                            language=Language.nl, groups=[], roles=[],
                            status=SubscriberStatus.active, consent_source="test")  # fmt: skip
        session.add(person)
        session.add_all([
            Assembly(uid="both@test", title="AG de printemps",
                     starts_at=datetime(2025, 3, 18, 9, tzinfo=UTC),
                     place="Salle des fêtes", agenda=["Approbation du PV", "Budget"],
                     speakers=[{"name": "Anne Exemple", "organisation": "CPAS"}],
                     translations={"nl": {
                         "title": "AV van de lente", "place": "Feestzaal",
                         "agenda": ["Goedkeuring van het verslag", "Begroting"],
                         "speakers": [{"name": "Anne Exemple", "organisation": "OCMW"}]}}),
            Assembly(uid="fr@test", title="AG d'été",
                     starts_at=datetime(2025, 6, 17, 9, tzinfo=UTC),
                     agenda=["Rapport des groupes de travail"],
                     speakers=[{"name": "Marc Exemple", "organisation": "Maison de quartier"}]),
            Assembly(uid="nl@test", title="AV van de herfst", language=Language.nl,
                     starts_at=datetime(2025, 9, 16, 9, tzinfo=UTC),
                     agenda=["Jaarplanning"],
                     speakers=[{"name": "Els Voorbeeld", "organisation": "Buurthuis"}]),
        ])  # fmt: skip
        session.flush()
        for number, title, nl in ((1, "Lettre de janvier", "Nieuwsbrief van januari"),
                                  (2, "Lettre de février", None)):  # fmt: skip
            sent_at = datetime(2025, number, 5, 8, tzinfo=UTC)
            issue = Issue(number=number, title=title, status=IssueStatus.sent, sent_at=sent_at,
                          lists=["membres"],
                          translations={"nl": {"title": nl}} if nl else {})  # fmt: skip
            session.add(issue)
            session.flush()
            send = Send(issue_id=issue.id, lists=["membres"], snapshot_complete=True, total=1,
                        created_at=sent_at)  # fmt: skip
            session.add(send)
            session.flush()
            session.add(Delivery(send_id=send.id, issue_id=issue.id, subscriber_id=person.id,
                                 email=person.email, status=DeliveryStatus.sent, attempts=1,
                                 sent_at=sent_at, message_id=f"<{number}@test>",
                                 created_at=sent_at, updated_at=sent_at))  # fmt: skip


def test_figures_carry_the_version_shown(service: Service) -> None:
    build_bilingual_year(service)
    nl = service.reports.activity(2025, "nl")
    assert [(a.title, a.language, a.fallback) for a in nl.assemblies] == [
        ("AV van de lente", "nl", False),
        ("AG d'été", "fr", True),
        ("AV van de herfst", "nl", False),
    ]
    spring = nl.assemblies[0]
    assert spring.place == "Feestzaal"
    assert spring.agenda == ["Goedkeuring van het verslag", "Begroting"]
    assert spring.speakers == ["Anne Exemple, OCMW"]
    assert [(s.title, s.fallback) for s in nl.sends] == [
        ("Nieuwsbrief van januari", False), ("Lettre de février", True)]  # fmt: skip
    fr = service.reports.activity(2025, "fr")
    assert [(a.title, a.fallback) for a in fr.assemblies] == [
        ("AG de printemps", False), ("AG d'été", False), ("AV van de herfst", True)]  # fmt: skip
    assert fr.assemblies[0].speakers == ["Anne Exemple, CPAS"]
    assert fr.assemblies[2].agenda == ["Jaarplanning"]


class PdfText:
    """A PDF's text (pdftotext, in the order it was laid out) without spaces and line
    breaks: the cells of a table wrap."""

    def __init__(self, path: Path) -> None:
        text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
        self.squeezed = "".join(text.split())

    def __contains__(self, words: str) -> bool:
        return "".join(words.split()) in self.squeezed

    def count(self, words: str) -> int:
        return self.squeezed.count("".join(words.split()))


def test_dutch_and_french_files_read_back(service: Service, cli: Cli, tmp_path: Path) -> None:
    build_bilingual_year(service)
    for lang in ("nl", "fr"):
        result = cli("report", "activity", "--year", "2025", "--out", str(tmp_path / lang),
                     "--lang", lang)  # fmt: skip
        assert result.code == 0, result.err
    nl = PdfText(tmp_path / "nl" / "activity.pdf")
    for shown in ("AV van de lente", "Feestzaal", "Goedkeuring van het verslag", "Begroting",
                  "Anne Exemple, OCMW", "AV van de herfst", "Jaarplanning",
                  "Nieuwsbrief van januari", "Lettre de février"):  # fmt: skip
        assert shown in nl, shown
    for hidden in ("AG de printemps", "Salle des fêtes", "Approbation du PV", "CPAS",
                   "Lettre de janvier"):  # fmt: skip
        assert hidden not in nl, hidden
    # the AG and the issue with no Dutch version: the French one, said so in Dutch
    assert "AG d'été" in nl and "Rapport des groupes de travail" in nl
    assert nl.count(FR_ONLY_NOTE) == 2
    html_nl = (tmp_path / "nl" / "activity.html").read_text("utf-8")
    assert '<span lang="fr">AG d&#39;été</span>' in html_nl

    fr = PdfText(tmp_path / "fr" / "activity.pdf")
    for shown in ("AG de printemps", "Salle des fêtes", "Approbation du PV",
                  "Anne Exemple, CPAS", "Lettre de janvier", "Lettre de février",
                  "AV van de herfst", "Jaarplanning"):  # fmt: skip
        assert shown in fr, shown
    assert "AV van de lente" not in fr and "Nieuwsbrief van januari" not in fr
    assert fr.count(NL_ONLY_NOTE) == 1
    assert "Dit item" not in fr


def test_console_page_in_the_coordinators_language(service: Service, console: Browser) -> None:
    build_bilingual_year(service)
    fr = html.unescape(console.get("/console/reports/activity?year=2025").text)
    assert "AG de printemps" in fr and NL_ONLY_NOTE in fr
    console.get("/lang/nl?next=/console")
    page = console.get("/console/reports/activity?year=2025")
    assert page.status_code == 200
    nl = html.unescape(page.text)
    assert "AV van de lente" in nl and "AG de printemps" not in nl
    assert "AG d'été" in nl and FR_ONLY_NOTE in nl
