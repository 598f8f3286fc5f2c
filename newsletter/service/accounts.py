"""Coordinator accounts of the web console: creation, password check, login throttling."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_, known_language
from newsletter.service.ratelimit import RateLimiter
from newsletter.store.access import AdminAccount
from newsletter.store.base import utcnow

MIN_PASSWORD_LENGTH = 10
#: failed logins allowed per IP address and per e-mail within LOGIN_WINDOW
LOGIN_FAILURES_PER_IP = 20
LOGIN_FAILURES_PER_EMAIL = 5
LOGIN_WINDOW = timedelta(minutes=15)

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

    def authenticate(self, email: str, password: str, ip: str) -> Account:
        """The account whose e-mail and password match; counts and limits failures.

        Raises TooManyAttemptsError before checking anything once the IP address or
        the e-mail had too many failures in the last quarter of an hour."""
        key = email.strip().lower()
        if self.limiter.exceeded(
            "login-ip", ip, LOGIN_FAILURES_PER_IP, LOGIN_WINDOW
        ) or self.limiter.exceeded("login-email", key, LOGIN_FAILURES_PER_EMAIL, LOGIN_WINDOW):
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
                    _hasher.verify(_DUMMY_HASH, password)
            if ok and row is not None:
                if _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = _hasher.hash(password)
                row.last_login_at = utcnow()
                return _account(row)
        self.limiter.hit("login-ip", ip)
        self.limiter.hit("login-email", key)
        raise ValidationError(N_("Wrong e-mail address or password."))


_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")
