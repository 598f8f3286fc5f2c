"""Length limits of news fields at every door, and the rate-limited, bounded preview."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from newsletter.errors import ValidationError
from newsletter.service import Service
from newsletter.service.submissions import PREVIEWS_PER_IP_HOUR, NewsForm
from newsletter.text import to_safe_html
from tests.support.cli import Cli
from tests.web.conftest import Browser

FORM = {"sender": "asbl@example.org", "organisation": "ASBL Exemple", "title": "Titre",
        "body": "Texte", "category": "actualite", "language": "fr"}  # fmt: skip


def test_preview_of_a_megabyte_of_pathological_markdown_is_refused(browser: Browser) -> None:
    browser.get("/submit")
    response = browser.client.post(
        "/submit-preview",
        files={"body": (None, "![" * 500_000), "title": (None, "x"),
               "csrf_token": (None, browser.token)},
    )  # fmt: skip
    assert response.status_code in (400, 413)
    assert "<p" in response.text


def test_preview_over_the_text_limit_is_refused_before_rendering(
    browser: Browser, service: Service
) -> None:
    browser.get("/submit")
    limit = service.ctx.settings.news_max_body
    response = browser.post("/submit-preview", {"body": "a" * (limit + 1)})
    assert response.status_code == 400
    assert "Le texte est trop long" in response.text
    response = browser.post("/submit-preview", {"body": "**gras**"})
    assert response.status_code == 200
    assert "<strong>gras</strong>" in response.text


def test_preview_is_rate_limited_per_client(browser: Browser, service: Service) -> None:
    browser.get("/submit")
    for _ in range(PREVIEWS_PER_IP_HOUR):
        service.limits.hit("preview-ip", "testclient")
    response = browser.post("/submit-preview", {"body": "texte"})
    assert response.status_code == 400
    assert "Trop d" in response.text
    # the whole-page preview (without script) counts the same
    response = browser.post("/submit", dict(FORM, action="preview"))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "field,message",
    [("title", "Le titre est trop long"), ("body", "Le texte est trop long"),
     ("event_place", "Le lieu est trop long"), ("link", "Le lien est trop long")],
)  # fmt: skip
def test_public_form_refuses_long_fields_and_keeps_nothing(
    browser: Browser, service: Service, field: str, message: str
) -> None:
    browser.get("/submit")
    value = "https://example.org/" + "a" * 3000 if field == "link" else "x" * 30_000
    response = browser.post("/submit", dict(FORM, **{field: value}))
    assert response.status_code == 400
    assert message in response.text
    assert service.editorial.list_news() == []


def test_every_door_gets_the_limits(service: Service, cli: Cli, tmp_path: object) -> None:
    settings = service.ctx.settings
    with pytest.raises(ValidationError):
        service.editorial.submit_news(title="t" * (settings.news_max_line + 1), body="b")
    with pytest.raises(ValidationError):  # e-mail bodies are HTML: counted once sanitised
        service.editorial.submit_news(
            title="t", body="<p>" + "x" * (settings.news_max_body + 1) + "</p>",
            body_format="html",
        )  # fmt: skip
    kept = service.editorial.submit_news(
        title="t", body='<div style="font-family: Arial; color: #333">' * 1000 + "x" * 100
        + "</div>" * 1000, body_format="html",
    )  # fmt: skip
    assert kept.id
    form = NewsForm(title="t", body="b" * (settings.news_max_body + 1), category="actualite",
                    sender="a@example.org")  # fmt: skip
    with pytest.raises(ValidationError):
        service.submissions.add_by_coordinator(form, actor="coordination@example.org")
    with pytest.raises(ValidationError):
        service.submissions.edit(kept.id, form, actor="coordination@example.org")
    from pathlib import Path

    body = Path(str(tmp_path)) / "long.md"
    body.write_text("![" * (settings.news_max_body // 2 + 1), encoding="utf-8")
    result = cli("news", "submit", "--title", "Long", "--body", str(body))
    assert result.code == 1 and "trop long" in result.out + result.err


def test_limits_are_settings(service: Service) -> None:
    settings = service.ctx.settings.model_copy(update={"news_max_body": 100})
    from newsletter.intake.limits import check_news_fields

    check_news_fields(settings, body="x" * 100)
    with pytest.raises(ValidationError):
        check_news_fields(settings, body="x" * 101)


def test_pathological_markdown_keeps_its_text() -> None:
    html = to_safe_html("![" * 10_000 + "\n\n" + "[" * 10_000 + "a <b>x</b>", "markdown")
    assert html.count("![") == 10_000 and "&lt;b&gt;x&lt;/b&gt;" in html


def test_parallel_hits_never_pass_the_limit(service: Service) -> None:
    passed: list[bool] = []

    def one() -> None:
        passed.append(
            not service.limits.exceeded_then_hit("t", "k", 5, window=timedelta(minutes=5))
        )

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert passed.count(True) == 5


def test_deeply_nested_markdown_is_kept_as_text() -> None:
    html = to_safe_html("> " * 5_000 + "fin", "markdown")
    assert "<blockquote>" not in html and "fin" in html
    assert to_safe_html("> > citation", "markdown").count("<blockquote>") == 2
