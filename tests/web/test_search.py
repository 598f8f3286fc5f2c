"""Search and filters of the news queue and of the issues: the same answers from the
service, the console's GET forms (the filters in the address, pages, no JavaScript) and
the command line (``news list --search``, ``issue list``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from newsletter.errors import ValidationError
from newsletter.service import Service
from newsletter.service.search import IssueFilter, NewsFilter
from newsletter.store.editorial import Issue, NewsItem
from newsletter.store.folding import fold
from tests.support.cli import Cli
from tests.web.conftest import Browser

DIRECTORY = (
    "organisation;nom;email;statut;langue\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl\n"
)


def _org(service: Service, name: str) -> int:
    return next(o.id for o in service.audience.organisations() if o.name == name)


def _news(service: Service, title: str, **kwargs: object) -> int:
    return service.editorial.submit_news(title=title, body=str(kwargs.pop("body", "Texte.")),
                                         **kwargs).id  # type: ignore[arg-type]  # fmt: skip


def _received(service: Service, news_id: int, when: datetime) -> None:
    with service.ctx.db.session() as session:
        session.execute(update(NewsItem).where(NewsItem.id == news_id).values(created_at=when))


@pytest.fixture
def queue(service: Service) -> dict[str, int]:
    service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
    maison = _org(service, "Maison de quartier Exemple")
    buurthuis = _org(service, "Buurthuis Voorbeeld")
    elan = "Élan solidaire : ÉTÉ des quartiers"
    ids = {
        "elan": _news(service, elan, organisation_id=maison, category="agenda"),
        "repair": _news(service, "Repair café", body="On répare les vélos d'hiver."),
        "buurt": _news(service, "Buurtfeest", language="nl", organisation_id=buurthuis),
        "percent": _news(service, "Réduction 50% sur_les repas"),
    }
    service.moderation.moderate(ids["repair"], "approve", by="test")
    _received(service, ids["elan"], datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    _received(service, ids["repair"], datetime(2026, 4, 2, 22, 30, tzinfo=UTC))  # 3 April here
    return ids


def _found(service: Service, **kwargs: object) -> list[int]:
    return [row.id for row in service.search.news(NewsFilter(**kwargs)).rows]  # type: ignore[arg-type]


def test_fold_makes_french_and_dutch_letters_plain() -> None:
    assert fold("Élan ÉTÉ Œuvre Ça Ëlke naïef l’été") == "elan ete oeuvre ca elke naief l'ete"


def test_words_ignore_case_and_accents(service: Service, queue: dict[str, int]) -> None:
    for words in ("elan", "ÉLAN", "élan", "ete quartiers", "Ete"):
        assert _found(service, text=words) == [queue["elan"]], words
    assert _found(service, text="velos") == [queue["repair"]]  # in the text, accent typed or not
    assert _found(service, text="elan repair") == []  # every word must be found
    assert _found(service, text="voorbeeld") == [queue["buurt"]]  # the organisation's name
    # the characters of LIKE are searched as typed
    assert _found(service, text="50%") == [queue["percent"]]
    assert _found(service, text="sur_les") == [queue["percent"]]
    assert _found(service, text="%") == [queue["percent"]]
    assert _found(service, text="_") == [queue["percent"]]


def test_the_other_languages_version_is_searched(service: Service, queue: dict[str, int]) -> None:
    service.editorial.translate_news(queue["buurt"], "fr", title="Fête de quartier", body="Texte.")
    assert _found(service, text="fete") == [queue["buurt"]]


def test_filters_combine(service: Service, queue: dict[str, int]) -> None:
    maison = _org(service, "Maison de quartier Exemple")
    assert _found(service, organisation_id=maison) == [queue["elan"]]
    assert _found(service, category="agenda") == [queue["elan"]]
    assert _found(service, statuses=("approved",)) == [queue["repair"]]
    assert set(_found(service, statuses=("pending",))) == {
        queue["elan"], queue["buurt"], queue["percent"]
    }  # fmt: skip
    # days in Brussels: 22:30 UTC on 2 April is 3 April
    assert _found(service, since=date(2026, 4, 3), until=date(2026, 4, 3)) == [queue["repair"]]
    assert _found(service, until=date(2026, 4, 2)) == [queue["elan"]]
    assert _found(service, since=date(2026, 3, 1), until=date(2026, 3, 31)) == [queue["elan"]]
    with pytest.raises(ValidationError):
        service.search.news(NewsFilter(since=date(2026, 5, 1), until=date(2026, 4, 1)))
    with pytest.raises(ValidationError):
        service.search.news(NewsFilter(statuses=("nonsense",)))


def test_pages(service: Service) -> None:
    for n in range(7):
        _news(service, f"Nouvelle {n}")
    first = service.search.news(NewsFilter(per_page=3))
    assert (first.total, first.pages, len(first.rows), first.first, first.last) == (7, 3, 3, 1, 3)
    last = service.search.news(NewsFilter(per_page=3, page=3))
    assert [r.title for r in last.rows] == ["Nouvelle 0"] and (last.first, last.last) == (7, 7)
    beyond = service.search.news(NewsFilter(per_page=3, page=9))
    assert beyond.rows == [] and beyond.total == 7


def _issue(service: Service, title: str, introduction: str = "") -> int:
    issue_id = service.editorial.draft_issue(title=title).id
    if introduction:
        service.editorial.edit_issue(issue_id, introduction=introduction)
    return issue_id


def test_issues_by_words_status_and_day(service: Service) -> None:
    winter = _issue(service, "Lettre d'hiver", "Les fêtes de fin d'année")
    spring = _issue(service, "Élan de printemps")
    with service.ctx.db.session() as session:
        session.execute(
            update(Issue).where(Issue.id == spring).values(
                sent_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC), status="sent"
            )
        )  # fmt: skip

    def found(**kwargs: object) -> list[int]:
        return [r.id for r in service.search.issues(IssueFilter(**kwargs)).rows]  # type: ignore[arg-type]

    assert found(text="elan") == [spring]
    assert found(text="FETES") == [winter]  # the introduction
    assert found(statuses=("sent",)) == [spring]
    assert found(statuses=("draft",)) == [winter]
    assert found(since=date(2026, 4, 1), until=date(2026, 4, 1)) == [spring]
    assert found() == [spring, winter] or found() == [winter, spring]
    every = service.search.every_issue(IssueFilter())
    assert [i.id for i in every] == [winter, spring]  # oldest first


def test_one_issue_row_for_the_console_the_search_and_the_cli(service: Service) -> None:
    """The console's lists, the dashboard and the search give the same row of an issue; the
    AG it invites to is on the row, not in ``issue list --json``."""
    winter = _issue(service, "Lettre d'hiver")
    spring = _issue(service, "Élan de printemps")
    news = _news(service, "Repair café")
    service.moderation.moderate(news, "approve", by="test")
    service.editorial.add_issue_item(spring, news)
    ag = service.editorial.create_assembly(
        title="AG de printemps",
        starts_at=datetime(2027, 3, 1, 18, 0, tzinfo=UTC),
        place="Salle communale",
    )
    with service.ctx.db.session() as session:
        session.execute(update(Issue).where(Issue.id == winter).values(assembly_id=ag.id))
    console_rows = service.console.issues()
    searched = service.search.issues(IssueFilter()).rows
    assert console_rows == searched
    # newest first
    assert [(r.id, r.items, r.assembly_id) for r in console_rows] == [
        (spring, 1, None), (winter, 0, ag.id)
    ]  # fmt: skip
    assert sorted(service.search.every_issue(IssueFilter()), key=lambda r: r.id) == sorted(
        console_rows, key=lambda r: r.id
    )
    assert service.console.issue_detail(winter).row == next(
        r for r in console_rows if r.id == winter
    )
    assert "assembly_id" not in console_rows[0].as_json()


def test_console_queue_filters_in_the_address(
    service: Service, console: Browser, queue: dict[str, int]
) -> None:
    page = console.get("/console/news?status=all&q=elan")
    assert page.status_code == 200
    assert "Élan solidaire" in page.text and "Repair café" not in page.text
    assert 'value="elan"' in page.text  # the words stay in the field
    assert "1 actualité trouvée" in page.text
    # the status tabs keep the words
    assert "/console/news?status=pending&amp;q=elan&amp;page=1" in page.text
    maison = _org(service, "Maison de quartier Exemple")
    page = console.get(f"/console/news?status=all&organisation={maison}")
    assert "Élan solidaire" in page.text and "Buurtfeest" not in page.text
    page = console.get("/console/news?status=all&q=nothing-like-this")
    assert "Aucune actualité ne correspond à cette recherche." in page.text
    # a day that is no day: a clear message, the rest of the search still answers
    page = console.get("/console/news?status=all&q=repair&since=hier")
    assert page.status_code == 200
    assert "Ce n&#39;est pas une date" in page.text and "Repair café" in page.text
    page = console.get("/console/news?status=all&since=2026-05-01&until=2026-04-01")
    assert "Le premier jour vient après le dernier" in page.text
    # hostile parameters are neither an error page nor echoed unescaped
    page = console.get("/console/news?status=<x>&page=-3&organisation=abc&q=<script>x</script>")
    assert page.status_code == 200 and "<script>x</script>" not in page.text


def test_console_queue_pages(service: Service, console: Browser) -> None:
    for n in range(55):
        _news(service, f"Nouvelle {n:02d}")
    page = console.get("/console/news")
    assert "55 actualités trouvées — page 1 sur 2" in page.text.replace("\xa0", " ")
    assert "Nouvelle 54" in page.text and "Nouvelle 04" not in page.text
    assert 'rel="next"' in page.text
    page = console.get("/console/news?page=2")
    assert "Nouvelle 04" in page.text and "Nouvelle 54" not in page.text


def test_bulk_action_comes_back_to_the_filtered_queue(
    service: Service, console: Browser, queue: dict[str, int]
) -> None:
    console.get("/console/news?status=pending&q=elan")
    response = console.post(
        "/console/news/bulk",
        {"ids": [str(queue["elan"])], "action": "approve", "back": "status=pending&q=elan&x=1"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/news?status=pending&q=elan"


def test_console_issues_filters(service: Service, console: Browser) -> None:
    _issue(service, "Lettre d'hiver")
    _issue(service, "Élan de printemps")
    page = console.get("/console/issues?q=ELAN")
    assert "Élan de printemps" in page.text and "Lettre d&#39;hiver" not in page.text
    page = console.get("/console/issues?status=sent")
    assert "Aucun numéro ne correspond à cette recherche." in page.text
    page = console.get("/console/issues?status=draft")
    assert "2 numéros trouvés" in page.text


def test_cli_lists(service: Service, cli: Cli, queue: dict[str, int]) -> None:
    result = cli("news", "list", "--search", "ELAN", "--json")
    assert result.code == 0, result.err
    assert [item["id"] for item in result.json()] == [queue["elan"]]
    result = cli("news", "list", "--status", "pending", "--since", "2026-03-10",
                 "--until", "2026-03-10", "--json")  # fmt: skip
    assert [item["id"] for item in result.json()] == [queue["elan"]]
    result = cli("news", "list", "--since", "yesterday")
    assert result.code == 2
    result = cli("news", "list", "--since", "2026-05-01", "--until", "2026-04-01")
    assert result.code == 1 and "premier jour" in result.err

    winter = _issue(service, "Lettre d'hiver")
    spring = _issue(service, "Élan de printemps")
    result = cli("issue", "list", "--json")
    assert result.code == 0, result.err
    listed = result.json()
    assert [i["id"] for i in listed] == [winter, spring]
    assert list(listed[0]) == ["id", "number", "title", "status", "lists", "items", "public",
                               "scheduled_at", "sent_at", "created_at"]  # fmt: skip
    result = cli("issue", "list", "--search", "elan", "--status", "draft", "--json")
    assert [i["id"] for i in result.json()] == [spring]
    result = cli("issue", "list", "--status", "sent")
    assert result.code == 0 and result.out == ""
    result = cli("issue", "list")
    assert "Élan de printemps" in result.out
