"""The bounce overview: hard and soft addresses, their actions, soft bounces expiring."""

from __future__ import annotations

from datetime import timedelta

from newsletter.models import SubscriberStatus
from newsletter.service import Service
from newsletter.store.base import utcnow
from tests.report.test_delivery_report import _sent_issue
from tests.support.cli import Cli
from tests.web.conftest import Browser


def test_overview_lists_hard_and_soft_addresses(service: Service, cli: Cli) -> None:
    _sent_issue(service)
    found = {a.email: a for a in service.reports.bounced_addresses()}
    # the greylisted one only waits for its retry: it is not failing (yet)
    assert sorted(found) == ["person0@example.org", "person1@example.org",
                             "person2@example.org"]  # fmt: skip
    hard = found["person0@example.org"]
    assert (hard.status, hard.kind, hard.bounces) == ("bounced", "hard", 1)
    assert hard.last_reply.startswith("550 5.1.1") and hard.since is not None
    assert (found["person1@example.org"].status, found["person1@example.org"].kind) == (
        "active", "soft")  # fmt: skip
    assert [a.email for a in service.reports.bounced_addresses("hard")] == ["person0@example.org"]

    result = cli("bounces", "list", "--json", "--lang", "nl")
    assert result.code == 0, result.err
    by_email = {a["email"]: a for a in result.json()}
    assert set(by_email) == set(found)
    assert by_email["person0@example.org"]["kind"] == "hard"
    assert "Onbekend adres" in by_email["person0@example.org"]["reason"]
    assert by_email["person1@example.org"]["reason"] == "De mailbox is vol"
    assert cli("bounces", "list", "--kind", "nonsense").code == 1


def test_soft_bounces_expire_after_the_quiet_period(service: Service) -> None:
    _sent_issue(service)
    days = service.ctx.settings.bounce_soft_expiry_days
    assert service.reports.expire_soft_bounces(utcnow() + timedelta(days=days - 1)) == 0
    assert service.reports.expire_soft_bounces(utcnow() + timedelta(days=days + 1)) == 2
    person1 = service.audience.find_subscriber("person1@example.org")
    assert person1 is not None and person1.status == "active"
    # the hard one stays bounced: expiry forgets counts, it never reactivates anyone
    assert [a.email for a in service.reports.bounced_addresses()] == ["person0@example.org"]


def test_console_actions_reactivate_fix_and_remove(service: Service, console: Browser) -> None:
    _sent_issue(service)
    page = console.get("/console/bounces")
    assert page.status_code == 200
    assert "person0@example.org" in page.text and "Adresse inconnue" in page.text
    hard = service.audience.find_subscriber("person0@example.org")
    assert hard is not None
    # reactivating needs a reason
    refused = console.post(f"/console/bounces/{hard.id}/reactivate", {"reason": "  "})
    assert refused.status_code == 303
    assert service.audience.get_subscriber(hard.id).status == SubscriberStatus.bounced
    console.get("/console/bounces")
    done = console.post(f"/console/bounces/{hard.id}/reactivate",
                        {"reason": "adresse vérifiée par téléphone"})  # fmt: skip
    assert done.status_code == 303
    again = service.audience.get_subscriber(hard.id)
    assert again.status == SubscriberStatus.active

    soft = service.audience.find_subscriber("person1@example.org")
    assert soft is not None
    console.get("/console/bounces")
    console.post(f"/console/bounces/{soft.id}/fix", {"email": "person0@example.org"})
    assert service.audience.get_subscriber(soft.id).email == "person1@example.org"  # taken
    console.get("/console/bounces")
    console.post(f"/console/bounces/{soft.id}/fix", {"email": "Personne1@Example.org"})
    fixed = service.audience.get_subscriber(soft.id)
    assert fixed.email == "Personne1@example.org"

    gone = service.audience.find_subscriber("person2@example.org")
    assert gone is not None
    console.get("/console/bounces")
    assert console.post(f"/console/bounces/{gone.id}/remove").status_code == 303
    assert service.audience.find_subscriber("person2@example.org") is None
    page = console.get("/console/bounces")
    assert "person2@example.org" not in page.text
