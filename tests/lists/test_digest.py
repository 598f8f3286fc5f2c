"""Digests: periods, composition in the reader's language, sending by the scheduler's
job to the recording SMTP server, at most once per period."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from newsletter.context import Context
from newsletter.mailinglist import digest
from newsletter.mailinglist.digest import DigestPost, period_end, period_start, window
from newsletter.models import DigestMode, PostStatus
from newsletter.service import Service
from tests.lists.archive_data import LIST, add_people, add_post, raw_post
from tests.web.smtp import SmtpServer

BRU = ZoneInfo("Europe/Brussels")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRU)


# --- periods and composition (pure) ---------------------------------------------------


def test_periods_in_brussels_time() -> None:
    now = local(2026, 12, 2, 7, 30)  # a Wednesday
    assert period_end(DigestMode.daily, now, BRU) == local(2026, 12, 2)
    assert period_start(DigestMode.daily, local(2026, 12, 2), BRU) == local(2026, 12, 1)
    assert period_end(DigestMode.weekly, now, BRU) == local(2026, 11, 30)  # Monday
    assert period_start(DigestMode.weekly, local(2026, 11, 30), BRU) == local(2026, 11, 23)
    # 23:30 UTC on 1 December is already 2 December in Brussels
    assert period_end(DigestMode.daily, datetime(2026, 12, 1, 23, 30, tzinfo=UTC), BRU) == local(
        2026, 12, 2
    )
    # the day the clocks go back lasts 25 hours
    end = period_end(DigestMode.daily, local(2026, 10, 26, 9), BRU)
    start = period_start(DigestMode.daily, end, BRU)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)


def test_window_of_a_member() -> None:
    now = local(2026, 12, 2, 7)
    assert window(DigestMode.daily, None, now, BRU) == (local(2026, 12, 1), local(2026, 12, 2))
    # sent from 8 o'clock: at 7 the digest of the day before the 1st is the one due
    assert window(DigestMode.daily, None, now, BRU, 8) == (local(2026, 11, 30), local(2026, 12, 1))
    assert window(DigestMode.daily, local(2026, 12, 1), now, BRU, 8) is None
    assert window(DigestMode.daily, local(2026, 12, 2), now, BRU) is None  # done already
    chose = local(2026, 12, 1, 15)  # turned the digest on in the afternoon
    assert window(DigestMode.daily, chose, now, BRU) == (chose, local(2026, 12, 2))
    away = local(2026, 11, 28)  # the server was stopped: one digest covers the days missed
    assert window(DigestMode.daily, away, now, BRU) == (away, local(2026, 12, 2))
    old = local(2025, 1, 1)
    span = window(DigestMode.daily, old, now, BRU)
    assert span is not None and span[1] - span[0] == digest.MAX_CATCH_UP


def _posts() -> list[DigestPost]:
    return [
        DigestPost("Réunion <b>du</b> 3 mars", "Alice\u202e Martin", local(2026, 12, 1, 9, 5),
                   "Bonjour,\n<script>x()</script>\n\nLe 1 déc., Bob a écrit :\n> cité\n> cité",
                   "https://news.example.org/lists/logement/archive/1"),
        DigestPost("Appel", "Bob", local(2026, 12, 1, 14, 0), "Texte 2",
                   "https://news.example.org/lists/logement/archive/2"),
    ]  # fmt: skip


def test_compose_in_french_and_dutch() -> None:
    archive = "https://news.example.org/lists/logement/archive"
    values = dict(tag="[GT Logement]", mode=DigestMode.daily, start=local(2026, 12, 1),
                  end=local(2026, 12, 2), posts=_posts(), archive_url=archive,
                  zone=BRU)  # fmt: skip
    fr = digest.compose(list_title="GT Logement", language="fr", **values)  # type: ignore[arg-type]
    assert fr.subject == "[GT Logement] Résumé quotidien · 1 décembre 2026 (2 messages)"
    assert "1. Réunion <b>du</b> 3 mars — Alice Martin" in fr.text  # text part: as written
    assert "> cité" not in fr.text and "[…]" in fr.text  # quotes of replies folded
    assert "mardi 1 décembre, 09:05" in fr.text  # Brussels time
    assert "<script>" not in fr.html and "&lt;script&gt;x()&lt;/script&gt;" in fr.html
    assert "Réunion &lt;b&gt;du&lt;/b&gt; 3 mars" in fr.html and "\u202e" not in fr.html
    assert '<html lang="fr">' in fr.html
    nl = digest.compose(list_title="WG Huisvesting", language="nl", **values)  # type: ignore[arg-type]
    assert nl.subject == "[GT Logement] Dagelijkse samenvatting · 1 december 2026 (2 berichten)"
    assert "Dagelijkse samenvatting van WG Huisvesting" in nl.text
    weekly = digest.compose(list_title="GT Logement", language="fr",
                            **dict(values, mode=DigestMode.weekly, start=local(2026, 11, 23),
                                   end=local(2026, 11, 30)))  # type: ignore[arg-type]  # fmt: skip
    assert "Résumé hebdomadaire · 23 novembre au 29 novembre 2026" in weekly.subject


# --- sending --------------------------------------------------------------------------


def _relayed(service: Service, subject: str, at: datetime, **values: object) -> int:
    return add_post(service, raw_post(subject, f"Texte de {subject}",
                                      message_id=f"<{abs(hash(subject))}@asbl-a.example>"),
                    at=at.astimezone(UTC), **values)  # type: ignore[arg-type]  # fmt: skip


def test_a_digest_collects_a_days_posts_once(mailing: Service, smtp: SmtpServer) -> None:
    people = add_people(mailing)
    digests = mailing.list_digests
    digests.choose(people.alice, LIST, "daily", now=local(2026, 11, 30, 12).astimezone(UTC))
    digests.choose(people.bob, LIST, "daily", now=local(2026, 11, 30, 12).astimezone(UTC))
    _relayed(mailing, "Avant le choix", local(2026, 11, 30, 11))  # received one by one
    _relayed(mailing, "Premier", local(2026, 12, 1, 8))
    _relayed(mailing, "Deuxième", local(2026, 12, 1, 18))
    _relayed(mailing, "Lendemain", local(2026, 12, 2, 6))  # tomorrow's digest
    _relayed(mailing, "En attente", local(2026, 12, 1, 9), status=PostStatus.held)
    _relayed(mailing, "Autre liste", local(2026, 12, 1, 9), list_id="sante-mentale")

    report = digests.send_due(now=local(2026, 12, 1, 7).astimezone(UTC))
    assert report.counts() == {"sent": 0, "empty": 2, "failed": 0}  # the 30th: nothing new
    report = digests.send_due(now=local(2026, 12, 2, 7).astimezone(UTC))
    assert report.counts() == {"sent": 2, "empty": 0, "failed": 0}
    received = smtp.recorder.wait_for(2)
    assert sorted(r.recipients[0] for r in received) == ["alice@asbl-a.example",
                                                         "bob@vzw-b.example"]  # fmt: skip
    alice = smtp.recorder.to("alice@asbl-a.example")[0]
    message = alice.message
    assert message["Subject"] == "[GT Logement] Résumé quotidien · 1 décembre 2026 (2 messages)"
    text = alice.body("plain")
    assert "Premier" in text and "Deuxième" in text
    for absent in ("Avant le choix", "Lendemain", "En attente", "Autre liste"):
        assert absent not in text
    assert message["List-Id"] == '"GT Logement" <gt-logement.reseau.example>'
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and unsubscribe in alice.body("html")
    bob = smtp.recorder.to("bob@vzw-b.example")[0]
    assert "Dagelijkse samenvatting" in bob.message["Subject"]
    assert bob.message["List-Unsubscribe"] != message["List-Unsubscribe"]  # their own link
    assert re.search(r"lists/logement/archive/\d+", bob.body("html"))

    again = digests.send_due(now=local(2026, 12, 2, 8).astimezone(UTC))
    assert again.counts() == {"sent": 0, "empty": 0, "failed": 0}
    assert len(smtp.recorder.messages) == 2  # never twice for the same day
    digests.send_due(now=local(2026, 12, 3, 7).astimezone(UTC))
    later = smtp.recorder.wait_for(4)
    assert len(later) == 4 and all("Lendemain" in r.body("plain") for r in later[2:])


def test_weekly_digest_and_members_only(mailing: Service, smtp: SmtpServer) -> None:
    people = add_people(mailing)
    digests = mailing.list_digests
    monday = local(2026, 11, 23, 9).astimezone(UTC)
    digests.choose(people.alice, LIST, "weekly", now=monday)
    digests.choose(people.gone, LIST, "weekly", now=monday)  # unsubscribed: nothing
    _relayed(mailing, "Mardi", local(2026, 11, 24, 10))
    _relayed(mailing, "Dimanche", local(2026, 11, 29, 23, 30))
    assert digests.send_due(now=local(2026, 11, 30, 6, 59).astimezone(UTC)).counts()["sent"] == 0
    report = digests.send_due(now=local(2026, 11, 30, 7, 1).astimezone(UTC))
    assert report.sent == [(LIST, "alice@asbl-a.example")]
    received = smtp.recorder.wait_for(1)
    assert "Résumé hebdomadaire" in received[0].message["Subject"]
    assert "Mardi" in received[0].body("plain") and "Dimanche" in received[0].body("plain")


def test_a_failed_send_is_tried_again(ctx: Context, smtp: SmtpServer) -> None:
    down = ctx.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 1,
                                           "smtp_security": "none"})  # fmt: skip
    broken = Service(Context(settings=down, db=ctx.db))
    people = add_people(broken)
    broken.list_digests.choose(people.alice, LIST, "daily",
                               now=local(2026, 11, 30, 12).astimezone(UTC))  # fmt: skip
    _relayed(broken, "Premier", local(2026, 12, 1, 8))
    report = broken.list_digests.send_due(now=local(2026, 12, 2, 7).astimezone(UTC))
    assert report.failed == [(LIST, "alice@asbl-a.example")]
    fixed = Service(Context(settings=down.model_copy(update={"smtp_port": smtp.port}), db=ctx.db))
    assert fixed.list_digests.send_due(now=local(2026, 12, 2, 8).astimezone(UTC)).counts() == {
        "sent": 1, "empty": 0, "failed": 0}  # fmt: skip
    assert "Premier" in smtp.recorder.wait_for(1)[0].body("plain")


def test_two_runs_at_once_send_once(mailing: Service, smtp: SmtpServer) -> None:
    people = add_people(mailing)
    mailing.list_digests.choose(people.alice, LIST, "daily",
                                now=local(2026, 11, 30, 12).astimezone(UTC))  # fmt: skip
    _relayed(mailing, "Premier", local(2026, 12, 1, 8))
    now = local(2026, 12, 2, 7).astimezone(UTC)
    other = Service(Context(settings=mailing.ctx.settings, db=mailing.ctx.db))
    reports = []
    threads = [threading.Thread(target=lambda s=s: reports.append(s.list_digests.send_due(now)))
               for s in (mailing, other)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(len(r.sent) for r in reports) == 1
    smtp.recorder.wait_for(2, timeout=2)
    assert len(smtp.recorder.messages) == 1


def test_choices(service: Service) -> None:
    people = add_people(service)
    digests = service.list_digests
    assert digests.mode(people.alice, LIST) is DigestMode.none
    assert digests.choose(people.alice, LIST, "weekly") is DigestMode.weekly
    assert digests.modes(people.alice) == {LIST: DigestMode.weekly}
    from newsletter.errors import NotFoundError, ValidationError

    with pytest.raises(ValidationError):
        digests.choose(people.alice, LIST, "hourly")
    with pytest.raises(NotFoundError):
        digests.choose(people.alice, "sante-mentale", "daily")
    with pytest.raises(NotFoundError):
        digests.choose(999_999, LIST, "daily")


async def test_the_scheduler_sends_the_digests(mailing: Service, smtp: SmtpServer) -> None:
    import asyncio

    from newsletter.schedule import DIGEST_JOB, run_list_digests, start_scheduler

    settings = mailing.ctx.settings.model_copy(update={"list_digest_hour": 0})  # due at once
    mailing = Service(Context(settings=settings, db=mailing.ctx.db))
    people = add_people(mailing)
    today = datetime.now(BRU).replace(hour=12, minute=0, second=0, microsecond=0)
    mailing.list_digests.choose(people.bob, LIST, "daily", now=today - timedelta(days=3))
    _relayed(mailing, "Hier", today - timedelta(days=1))
    scheduler = start_scheduler(mailing.ctx, mailing)
    try:
        job = scheduler.get_job(DIGEST_JOB)
        assert job is not None and job.trigger.interval.total_seconds() == 10 * 60
        await asyncio.to_thread(run_list_digests)  # what the job runs, without waiting for it
        await asyncio.to_thread(run_list_digests)
    finally:
        scheduler.shutdown(wait=False)
    received = await asyncio.to_thread(smtp.recorder.wait_for, 1)
    assert len(received) == 1 and "Hier" in received[0].body("plain")
