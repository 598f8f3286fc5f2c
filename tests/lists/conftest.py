"""Fixtures of the mailing-list tests: a working group that takes posts, its members."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

import pytest

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.models import Language, SubscriberStatus
from newsletter.store.audience import Subscriber

ADDRESS = "gt-logement@reseau.example"
MEMBERS = {"alice@example.org": Language.fr, "bram@example.be": Language.nl,
           "chloe@example.org": Language.fr}  # fmt: skip
OUTSIDER = "dan@example.net"


def list_file(moderation: str = "none", who: str = "members", extra: str = "") -> str:
    return (
        "title: {fr: GT Logement, nl: WG Huisvesting}\n"
        "match: {groups: logement}\n"
        f"posting:\n  address: {ADDRESS}\n  who: {who}\n  moderation: {moderation}\n"
        '  tag: "[GT Logement]"\n' + extra
    )


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "logement.yaml").write_text(list_file(), encoding="utf-8")
    return settings.model_copy(update={"lists_dir": lists})


def set_list(settings: Settings, text: str) -> None:
    (settings.lists_dir / "logement.yaml").write_text(text, encoding="utf-8")


def add_members(ctx: Context) -> dict[str, int]:
    ids = {}
    with ctx.db.session() as session:
        for email, language in [*MEMBERS.items(), (OUTSIDER, Language.fr)]:
            subscriber = Subscriber(
                email=email, email_key=email, name=email.split("@")[0].title(),
                language=language, status=SubscriberStatus.active,
                groups=[] if email == OUTSIDER else ["logement"],
            )  # fmt: skip
            session.add(subscriber)
            session.flush()
            ids[email] = subscriber.id
    return ids


def post(sender: str, subject: str = "Réunion du GT jeudi", *, to: str = ADDRESS,
         body: str = "Bonjour à tous, la réunion du groupe est jeudi à 14 h.",
         **headers: str) -> bytes:  # fmt: skip
    message = EmailMessage(policy=SMTP)
    message["From"] = f"{sender.split('@')[0].title()} <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid("post", domain=sender.rpartition("@")[2])
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()
