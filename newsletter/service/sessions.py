"""Server-side console sessions: opened at login, checked on every console request.

The browser's cookie holds a random secret; the database keeps only its SHA-256 with
the account, the login time and the last use. A session ends at logout, when the
account gets a new password or is removed, after ``SESSION_IDLE_MINUTES`` without use
and ``SESSION_MAX_HOURS`` after login, whatever the cookie says.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from newsletter.context import Context
from newsletter.store.base import utcnow
from newsletter.store.web import AdminAccount, WebSession

#: the last use is written at most this often (not on every page)
TOUCH_EVERY = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def revoke_account_sessions(session: Session, account_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.account_id == account_id))


class SessionsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def open(self, account_id: int) -> str:
        """A new session of ``account_id``; returns the secret to put in the cookie."""
        secret = secrets.token_urlsafe(32)
        now = utcnow()
        with self.ctx.db.session() as session:
            session.add(
                WebSession(id=_digest(secret), account_id=account_id, created_at=now,
                           last_seen_at=now)
            )  # fmt: skip
            self._expire(session)
        return secret

    def account_of(self, secret: str) -> int | None:
        """The account of a live session (its last use recorded), else None."""
        if not secret:
            return None
        now = utcnow()
        settings = self.ctx.settings
        with self.ctx.db.session() as session:
            row = session.get(WebSession, _digest(secret))
            if row is None:
                return None
            idle = now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
            old = now - row.created_at > timedelta(hours=settings.session_max_hours)
            account = session.get(AdminAccount, row.account_id)
            if idle or old or account is None or not account.active:
                session.delete(row)
                return None
            if now - row.last_seen_at > TOUCH_EVERY:
                row.last_seen_at = now
            return row.account_id

    def close(self, secret: str) -> None:
        """Logout: the session is gone, a copy of its cookie opens nothing."""
        with self.ctx.db.session() as session:
            session.execute(delete(WebSession).where(WebSession.id == _digest(secret)))

    def revoke_all(self, account_id: int) -> None:
        with self.ctx.db.session() as session:
            revoke_account_sessions(session, account_id)

    def count(self, account_id: int) -> int:
        with self.ctx.db.session() as session:
            query = select(func.count(WebSession.id)).where(WebSession.account_id == account_id)
            return int(session.scalar(query) or 0)

    def _expire(self, session: Session) -> None:
        """Forget sessions past their absolute lifetime (now and then, at login)."""
        limit = utcnow() - timedelta(hours=self.ctx.settings.session_max_hours)
        session.execute(delete(WebSession).where(WebSession.created_at < limit))
