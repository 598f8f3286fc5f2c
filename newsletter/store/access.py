"""Tables of access: who may act and how often (console accounts and their sessions,
partner links that let an organisation submit news, single-use subscription
confirmations, rate-limit hits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.store import audience as _audience  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, UTCDateTime, utcnow


class AdminAccount(Base):
    """A coordinator who may log into the console."""

    __tablename__ = "admin_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    #: lower-cased e-mail, unique
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: argon2id hash (argon2-cffi), never the password
    password_hash: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(5), default="fr")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RateHit(Base):
    """One counted event of a rate limit (failed login, form submission…)."""

    __tablename__ = "rate_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what is limited, e.g. "login-ip", "login-email", "submit-ip", "submit-org"
    bucket: Mapped[str] = mapped_column(String(50), index=True)
    #: who is limited: an IP address, an e-mail, an organisation id
    key: Mapped[str] = mapped_column(String(320), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class PartnerLink(Base):
    """The personal submission link of a member organisation.

    The token carries ``generation``; revoking a link bumps it, so older tokens fail."""

    __tablename__ = "partner_links"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_to: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A console login. The cookie carries a random secret; only its SHA-256 is kept here,
    so a copy of the database opens no session. Logout, a new password and the removal
    of the account delete the rows, and the cookie is then refused."""

    __tablename__ = "web_sessions"

    #: hex SHA-256 of the secret in the cookie
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubscriptionConfirmation(Base):
    """One confirmation link sent for a double opt-in: single use, expiring, and the
    time it was sent (no new one within the cool-down)."""

    __tablename__ = "subscription_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    #: random value carried by the signed link
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
