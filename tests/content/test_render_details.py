"""Details of the rendered e-mail: valid presentational attributes, an event's end time,
no XML-illegal control character."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html

from newsletter.context import Context
from newsletter.editorial.issues import add_item, get_issue
from newsletter.editorial.news_status import transition_news
from newsletter.intake.news import submit_news
from newsletter.models import NewsStatus
from newsletter.render import prepare_issue, sample_personalization
from newsletter.render.inline import ALLOWED_ON
from newsletter.render.preview import preview
from newsletter.store.editorial import NewsItem


def _add_event(ctx: Context, issue_id: int, start: datetime, end: datetime | None) -> None:
    with ctx.db.session() as session:
        item = submit_news(session, ctx.settings, title="Atelier vélo", body="Réparer.",
                           organisation_name="ASBL", category="agenda", event_start=start,
                           event_end=end, event_place="Salle")  # fmt: skip
        transition_news(item, NewsStatus.approved)
        add_item(session, get_issue(session, issue_id), item)


def _bodies(ctx: Context, issue_id: int, lang: str) -> tuple[str, str]:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant(lang, "none")
    result = preview(variant, sample_personalization(ctx.settings, issue_id, lang))
    return result.html, result.text


def test_presentational_attributes_only_where_html_defines_them(
    ctx: Context, issue_id: int
) -> None:
    html, _text = _bodies(ctx, issue_id, "fr")
    tree = lxml.html.fromstring(html.encode("utf-8"))
    seen = set()
    for element in tree.iter():
        for name in ALLOWED_ON:
            if name in element.attrib:
                assert element.tag in ALLOWED_ON[name], (element.tag, name)
                seen.add((element.tag, name))
    assert ("td", "bgcolor") in seen and ("body", "bgcolor") in seen  # Outlook keeps colours
    styled = [p for p in tree.iter("p", "a") if "background-color" in p.get("style", "")]
    assert styled and all("bgcolor" not in p.attrib for p in styled)


def test_an_events_end_time_is_shown(ctx: Context, issue_id: int) -> None:
    # 18:30–20:00 UTC on 3 December is 19:30–21:00 in Brussels
    _add_event(ctx, issue_id, datetime(2026, 12, 3, 18, 30, tzinfo=UTC),
               datetime(2026, 12, 3, 20, 0, tzinfo=UTC))  # fmt: skip
    html, text = _bodies(ctx, issue_id, "fr")
    assert "jeudi 3 décembre 2026, 19:30–21:00" in html
    assert "jeudi 3 décembre 2026, 19:30–21:00" in text
    html, text = _bodies(ctx, issue_id, "nl")
    assert "donderdag 3 december 2026, 19:30–21:00" in html
    assert "donderdag 3 december 2026, 19:30–21:00" in text


def test_an_event_over_several_days_shows_both_days(ctx: Context, issue_id: int) -> None:
    _add_event(ctx, issue_id, datetime(2026, 12, 4, 8, 0, tzinfo=UTC),
               datetime(2026, 12, 5, 16, 0, tzinfo=UTC))  # fmt: skip
    html, text = _bodies(ctx, issue_id, "fr")
    span = "vendredi 4 décembre 2026, 09:00 – samedi 5 décembre 2026, 17:00"
    assert span in html and span in text
    _html, text = _bodies(ctx, issue_id, "nl")
    assert "vrijdag 4 december 2026, 09:00 – zaterdag 5 december 2026, 17:00" in text


def test_control_characters_never_reach_the_html(ctx: Context, issue_id: int) -> None:
    _add_event(ctx, issue_id, datetime(2026, 12, 3, 18, 30, tzinfo=UTC), None)
    with ctx.db.session() as session:
        item = session.query(NewsItem).filter(NewsItem.title == "Atelier vélo").one()
        item.title = "Atelier\x0bvélo\x1b\x01"
        item.event_place = "Salle\x0c2"
        item.body_html = "<p>Réparer\x0b\x02 ensemble</p>"
        get_issue(session, issue_id).introduction = "Intro\x0bsuite\x03"
    html, _text = _bodies(ctx, issue_id, "fr")
    bad = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]]
    assert not any(ch in html for ch in bad)
    html = html.replace("\r\n", "\n")
    assert "Atelier\nvélo" in html and "Réparer\n ensemble" in html


def test_a_style_sheet_read_once_inlines_as_when_read_afresh() -> None:
    """The rules of a sheet are kept between inlinings: the same page whether they were
    just read or taken from the cache; another sheet (an edited template) is read anew."""
    from newsletter.render import inline

    page = (
        "<html><head><style>p {color: red} .a {margin: 0 !important} a:hover {color: blue}"
        " @media (max-width: 600px) {p {color: green}}</style></head>"
        '<body><p class="a">x</p><table><tr><td>y</td></tr></table></body></html>'
    )
    inline._rules.clear()
    fresh = inline.inline_css(page)
    assert len(inline._rules) == 1
    again = inline.inline_css(page)
    assert again == fresh
    assert "color:red" in fresh and "margin:0 !important" in fresh
    assert "@media" in fresh and "!important" in fresh.split("@media", 1)[1]
    edited = inline.inline_css(page.replace("color: red", "color: navy"))
    assert "color:navy" in edited and "color:red" not in edited
    for number in range(inline._SHEETS + 2):  # a bounded cache
        inline.inline_css(page.replace("p {color: red}", f"p {{margin: {number}px}}"))
    assert len(inline._rules) == inline._SHEETS
    assert inline.inline_css(page) == fresh
