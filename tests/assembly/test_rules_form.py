"""The AG's rules form (proxies, answers closing, planned reminder) refused: the page comes
back with status 400, every value as typed, the error at its field and said above the
form; nothing is saved. The same rules refuse the same values through the service."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from newsletter.errors import ValidationError
from newsletter.service import Service
from tests.web.conftest import Browser


def _value(page: str, field: str) -> str:
    found = re.search(rf'<input id="{field}" name="{field}"[^>]*value="([^"]*)"', page)
    assert found is not None, field
    return found.group(1)


def _post(console: Browser, assembly_id: int, **typed: str) -> tuple[int, str]:
    base = f"/console/assemblies/{assembly_id}"
    console.get(base)
    fields = {"proxy_limit": "2", "closes_at": "", "reminder_at": ""} | typed
    response = console.post(f"{base}/rules", fields)
    return response.status_code, html.unescape(response.text)


def test_refused_rules_keep_what_was_typed(
    console: Browser, service: Service, assembly_id: int
) -> None:
    before = service.assemblies.rules(assembly_id)
    after_ag = (service.console.assembly(assembly_id).starts_at + timedelta(days=1)).astimezone(UTC)
    late = after_ag.strftime("%Y-%m-%dT%H:%M")
    status, page = _post(console, assembly_id, proxy_limit="3", closes_at="2030-01-02T10:00",
                         reminder_at=late)  # fmt: skip
    assert status == 400
    assert (_value(page, "proxy_limit"), _value(page, "closes_at"),
            _value(page, "reminder_at")) == ("3", "2030-01-02T10:00", late)  # fmt: skip
    message = "Le rappel doit partir avant l'assemblée."
    summary = re.search(r'<div class="flash flash-error" role="alert" id="rules-errors">.*?</div>',
                        page, re.S)  # fmt: skip
    assert summary is not None and message in summary.group(0)
    assert 'href="#reminder_at-error"' in summary.group(0)
    assert f'<p class="field-error" id="reminder_at-error">{message}</p>' in page
    assert 'id="reminder_at" name="reminder_at" type="datetime-local"' in page
    assert re.search(r'id="reminder_at"[^>]*aria-invalid="true"', page)
    # the other fields carry no error, and the AG's edit form says nothing
    assert not re.search(r'id="proxy_limit"[^>]*aria-invalid', page)
    assert page.count(message) == 2
    assert service.assemblies.rules(assembly_id) == before  # nothing saved, not even the limit


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (
            "proxy_limit",
            "12",
            "Le nombre de procurations qu'une organisation peut détenir va de 0 à 10.",
        ),
        (
            "proxy_limit",
            "deux",
            "Le nombre de procurations qu'une organisation peut détenir va de 0 à 10.",
        ),
        ("closes_at", "demain", "Date invalide : demain"),
    ],
)
def test_each_refusal_names_its_field(
    console: Browser, service: Service, assembly_id: int, field: str, typed: str, message: str
) -> None:
    status, page = _post(console, assembly_id, **{field: typed})
    assert status == 400
    assert _value(page, field) == typed
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert f'href="#{field}-error"' in page
    assert service.assemblies.rules(assembly_id).proxy_limit == 1


def test_accepted_rules_are_saved_together(
    console: Browser, service: Service, assembly_id: int
) -> None:
    starts = service.console.assembly(assembly_id).starts_at
    reminder = (starts - timedelta(days=3)).astimezone(UTC).replace(second=0)
    status, _page = _post(console, assembly_id, proxy_limit="2",
                          reminder_at=reminder.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    assert status == 303
    rules = service.assemblies.rules(assembly_id)
    assert rules.proxy_limit == 2 and rules.reminder_at is not None


def test_the_service_checks_all_before_saving(service: Service, assembly_id: int) -> None:
    starts = service.console.assembly(assembly_id).starts_at
    with pytest.raises(ValidationError) as refused:
        service.assemblies.set_rules(assembly_id, proxy_limit=4,
                                     reminder_at=starts + timedelta(hours=1))  # fmt: skip
    assert refused.value.field == "reminder_at"
    assert service.assemblies.rules(assembly_id).proxy_limit == 1
    with pytest.raises(ValidationError) as limit:
        service.assemblies.set_rules(assembly_id, proxy_limit=11,
                                     closes_at=datetime(2030, 1, 1, tzinfo=UTC))  # fmt: skip
    assert limit.value.field == "proxy_limit"
