"""Coordinator accounts of the web console: creation, password check, login throttling."""

from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_, known_language
from newsletter.service.ratelimit import RateLimiter
from newsletter.service.sessions import revoke_account_sessions
from newsletter.store.access import AdminAccount
from newsletter.store.base import utcnow

MIN_PASSWORD_LENGTH = 10
#: tries of one e-mail from one client without delay; then 5 s, 10 s, 20 s… between tries
LOGIN_FREE_FAILURES = 5
LOGIN_FIRST_DELAY = 5
LOGIN_MAX_DELAY = 15 * 60
#: tries a client may make within LOGIN_WINDOW, all e-mails together
LOGIN_FAILURES_PER_CLIENT = 30
LOGIN_WINDOW = timedelta(hours=1)

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    language: str


def _account(row: AdminAccount) -> Account:
    return Account(id=row.id, email=row.email, name=row.name, language=row.language)


class TooManyAttemptsError(ValidationError):
    """Too many failed logins: the caller must wait."""


class AccountsService:
    def __init__(self, ctx: Context, limiter: RateLimiter) -> None:
        self.ctx = ctx
        self.limiter = limiter

    def create(self, email: str, password: str, name: str = "", language: str = "fr") -> Account:
        """A new account, or a new password for an existing one (same e-mail)."""
        email = email.strip()
        if "@" not in email or len(email) > 320:
            raise ValidationError(N_("Invalid e-mail address: {email}"), email=email)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                N_("The password must have at least {n} characters."), n=MIN_PASSWORD_LENGTH
            )
        with self.ctx.db.session() as session:
            row = session.scalar(
                select(AdminAccount).where(AdminAccount.email_key == email.lower())
            )
            if row is None:
                row = AdminAccount(email=email, email_key=email.lower())
                session.add(row)
            row.password_hash = _hasher.hash(password)
            row.name = name or row.name
            row.language = known_language(language)
            row.active = True
            session.flush()
            # a new password ends every session opened with the old one
            revoke_account_sessions(session, row.id)
            return _account(row)

    def list(self) -> list[Account]:
        with self.ctx.db.session() as session:
            rows = session.scalars(select(AdminAccount).order_by(AdminAccount.email_key))
            return [_account(row) for row in rows]

    def get(self, account_id: int) -> Account:
        with self.ctx.db.session() as session:
            row = session.get(AdminAccount, account_id)
            if row is None or not row.active:
                raise NotFoundError(N_("Unknown account."))
            return _account(row)

    def authenticate(self, email: str, password: str, client: str) -> Account:
        """The account whose e-mail and password match; limits failures.

        Failures are counted per (e-mail, client) with growing delays: after
        LOGIN_FREE_FAILURES failures, each next try from that client must wait twice as long
        (up to LOGIN_MAX_DELAY). The real coordinator on another client is not slowed
        down. A client also has LOGIN_FAILURES_PER_CLIENT failures per window across all
        e-mails. The attempt is counted before the password is checked, in one locked
        step, so parallel tries cannot pass the limits together; a success forgets it."""
        key = email.strip().lower()[:320]
        pair = f"{key}|{client}"
        wait = self.limiter.wait_then_hit("login", pair, LOGIN_WINDOW, login_delay)
        if wait > 0:
            raise TooManyAttemptsError(
                N_("Too many failed attempts. Please wait {seconds} seconds and try again."),
                seconds=math.ceil(wait),
            )
        if self.limiter.exceeded_then_hit(
            "login-client", client, LOGIN_FAILURES_PER_CLIENT, LOGIN_WINDOW
        ):
            raise TooManyAttemptsError(
                N_("Too many failed attempts. Please wait a quarter of an hour and try again.")
            )
        with self.ctx.db.session() as session:
            row = session.scalar(select(AdminAccount).where(AdminAccount.email_key == key))
            ok = False
            if row is not None and row.active:
                try:
                    ok = _hasher.verify(row.password_hash, password)
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    ok = False
            else:
                # same work whether the account exists or not
                with contextlib.suppress(VerificationError, InvalidHashError):
                    _hasher.verify(_dummy_hash(), password)
            if ok and row is not None:
                if _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = _hasher.hash(password)
                row.last_login_at = utcnow()
                account = _account(row)
            else:
                account = None
        if account is None:
            raise ValidationError(N_("Wrong e-mail address or password."))
        self.limiter.clear("login", pair)
        self.limiter.clear("login-client", client)
        return account

    def remove(self, email: str) -> None:
        """The account can no longer log in; its open sessions end at once."""
        with self.ctx.db.session() as session:
            row = session.scalar(
                select(AdminAccount).where(AdminAccount.email_key == email.strip().lower())
            )
            if row is None:
                raise NotFoundError(N_("Unknown account."))
            row.active = False
            revoke_account_sessions(session, row.id)


def login_delay(failures: int) -> float:
    """Seconds between the last failure and the next try allowed from the same client."""
    if failures < LOGIN_FREE_FAILURES:
        return 0.0
    return float(min(LOGIN_MAX_DELAY, LOGIN_FIRST_DELAY * 2 ** (failures - LOGIN_FREE_FAILURES)))


@functools.cache
def _dummy_hash() -> str:
    """A hash with the hasher's own settings, made at the first login of an unknown
    address (about a second of CPU, which no command that never logs in should pay)."""
    return _hasher.hash("not a real password, only here to spend the same time")
