"""End to end: a member who chose the daily digest gets no copy of the day's posts when
they are relayed, then one digest with all of them the next morning."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from newsletter.context import Context
from newsletter.service import Service
from newsletter.store.base import utcnow
from tests.delivery.smtpd import RecordingServer
from tests.lists.conftest import add_members, post
from tests.lists.test_relay import parsed, relay_all
from tests.web.smtp import SmtpServer


def test_digest_members_get_the_days_posts_in_one_message(ctx: Context) -> None:
    ids = add_members(ctx)
    with SmtpServer() as digests_smtp:
        settings = ctx.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": digests_smtp.port, "smtp_security": "none",
        })  # fmt: skip
        service = Service(Context(settings=settings, db=ctx.db))
        service.list_digests.choose(ids["bram@example.be"], "logement", "daily",
                                    now=utcnow() - timedelta(minutes=5))  # fmt: skip
        service.intake.ingest_bytes(post("alice@example.org", "Réunion jeudi", body="Salle 3."))
        service.intake.ingest_bytes(
            post("chloe@example.org", "Dossiers loyer", body="Avant le 15.")
        )
        with RecordingServer() as relay_smtp:
            relay_all(service, relay_smtp)
        copies = sorted(r.recipient for r in relay_smtp.received)
        assert "bram@example.be" not in copies  # no individual copy
        assert copies == ["alice@example.org", "chloe@example.org"]  # each the other's post
        zone = ZoneInfo(settings.timezone)
        tomorrow = (utcnow().astimezone(zone) + timedelta(days=1)).replace(hour=8, minute=0)
        report = service.list_digests.send_due(now=tomorrow)
        assert report.sent == [("logement", "bram@example.be")]
        [digest] = digests_smtp.recorder.wait_for(1)
        assert digest.recipients == ["bram@example.be"]
        message = parsed(digest.data)
        assert (
            "Dagelijkse samenvatting" in message["Subject"] and "2 berichten" in message["Subject"]
        )
        text = digest.body("plain")
        assert "Réunion jeudi" in text and "Salle 3." in text
        assert "Dossiers loyer" in text and "Avant le 15." in text
        assert service.list_digests.send_due(now=tomorrow + timedelta(hours=1)).sent == []
