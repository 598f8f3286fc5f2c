"""Settings, read from the environment (``NEWSLETTER_`` prefix) or a ``.env`` file.

Every setting carries a help text (``description``); ``newsletter config`` prints them
all and a test checks that the README's configuration table lists each one.
"""

from __future__ import annotations

import json
import os
import secrets
from email.headerregistry import Address
from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newsletter.shipped import shipped_dir

ENV_PREFIX = "NEWSLETTER_"
DEFAULT_CATEGORIES = ["actualite", "agenda", "emploi", "appel-a-projets", "formation"]


class SmtpSecurity(StrEnum):
    none = "none"
    starttls = "starttls"
    tls = "tls"


class Settings(BaseSettings):
    """All settings of the application. Field names map to ``NEWSLETTER_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"),
        description="Folder for the SQLite database, the generated secret key, uploads "
        "and the embedded mail catcher's Maildir.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database. Empty: a SQLite file in DATA_DIR. "
        "PostgreSQL: postgresql+psycopg://user:password@host/dbname.",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs sessions, unsubscribe, RSVP and partner links. "
        "Empty: one is generated once and kept in DATA_DIR/secret_key.",
    )

    # --- identity ------------------------------------------------------------------------
    base_url: str = Field(
        "http://localhost:8000",
        description="Public address of the web pages, used in links inside e-mails.",
    )
    organisation_name: str = Field(
        "Coordination sociale",
        description="Name of the network, shown in e-mails and pages.",
    )
    organisation_name_nl: str = Field(
        "",
        description="Dutch name of the network, shown to Dutch readers (empty: the French one).",
    )
    from_address: str = Field(
        "Coordination sociale <newsletter@example.org>",
        alias="NEWSLETTER_FROM",
        description="From header of every e-mail sent.",
    )
    from_name_nl: str = Field(
        "",
        description="Display name of the From header in Dutch readers' e-mails (the address "
        "stays FROM's). Empty: ORGANISATION_NAME_NL when FROM's display name is "
        "ORGANISATION_NAME, else FROM's own.",
    )
    reply_to: str = Field("", description="Reply-To header of newsletters (empty: none).")
    list_id: str = Field(
        "",
        description="List-Id header domain part (RFC 2919). Empty: derived from FROM.",
    )
    lists_dir: Path = Field(
        Path("lists"),
        description="Folder of segment definitions (YAML). Left unset and with no lists "
        "folder in the working directory: the lists shipped with the application.",
    )
    templates_dir: Path = Field(
        Path("templates"),
        description="Folder of the e-mail templates (HTML and text); a file missing there "
        "comes from the shipped templates. Left unset and with no templates folder in the "
        "working directory: the shipped ones.",
    )
    timezone: str = Field("Europe/Brussels", description="Time zone of dates shown and typed.")
    categories: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES),
        description="News categories, in the order of the newsletter's sections (JSON list).",
    )

    # --- outgoing mail -------------------------------------------------------------------
    smtp_host: str = Field(
        "",
        description="SMTP relay. Empty: serve/demo start the embedded mail catcher and "
        "'issue send' refuses unless --catcher is given.",
    )
    smtp_port: int = Field(587, description="SMTP relay port.")
    smtp_username: str = Field("", description="SMTP login (empty: no AUTH).")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_security: SmtpSecurity = Field(
        SmtpSecurity.starttls, description="none, starttls or tls (implicit TLS)."
    )
    smtp_connections: int = Field(
        4, ge=1, le=64, description="Persistent SMTP connections used in parallel."
    )
    smtp_timeout: float = Field(30.0, description="Seconds before an SMTP command times out.")
    smtp_data_timeout: float = Field(
        600.0,
        gt=0,
        description="Seconds to wait for the server's reply after a message's data (RFC 5321 "
        "advises 10 minutes: a short wait turns a slow server into duplicates).",
    )
    send_rate: float = Field(0.0, ge=0, description="Messages per second at most (0 = unlimited).")
    send_hourly_cap: int = Field(
        0, ge=0, description="Messages per rolling hour at most (0 = no cap)."
    )
    send_daily_cap: int = Field(
        0, ge=0, description="Messages per rolling 24 hours at most (0 = no cap)."
    )
    send_batch_size: int = Field(
        200, ge=1, description="Deliveries claimed from the outbox at a time."
    )
    retry_max_age_hours: float = Field(
        72.0, description="Temporary failures are retried until the send is this old."
    )
    auto_pause_failure_ratio: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Pause a send when more than this share of its recent messages failed.",
    )
    auto_pause_window: int = Field(
        200, ge=1, description="Recent messages of a send that the auto-pause rule looks at."
    )
    auto_pause_min_results: int = Field(
        100,
        ge=1,
        description="The auto-pause rule judges only once this many results are in its window "
        "(a few refused addresses at the head of a list never pause a send).",
    )
    relay_retry_seconds: float = Field(
        15.0,
        ge=0,
        description="After an automatic pause because the SMTP relay did not answer, wait "
        "this long before trying it again, doubling after each try up to 10 minutes; the "
        "send resumes by itself once it answers, unless the coordinator paused it "
        "(0 = never resume by itself).",
    )
    bounce_limit: int = Field(
        3,
        ge=2,
        description="Bounces counted for an address before a soft one (full mailbox, server "
        "not accepting mail for now, unknown cause) marks it bounced; a hard bounce (5.1.x: "
        "no such mailbox or domain) marks it at once.",
    )
    bounce_other_limit: int = Field(
        5,
        ge=2,
        description="Bounces counted for an address before one that is not the address's "
        "fault (message too big, spam or policy refusal, loop, protocol error) marks it "
        "bounced.",
    )
    bounce_soft_expiry_days: int = Field(
        60,
        ge=0,
        description="Days without a new failure after which the counted soft bounces of an "
        "active address are forgotten (0: never).",
    )
    click_counting: bool = Field(
        False,
        description="Count how many times each link of an issue is followed: one total per "
        "link and issue, nothing about who. The links of the e-mail (HTML and text) then "
        "go through a signed redirect on BASE_URL (/r/…). Off: links lead straight to "
        "their address. There is never an open-tracking pixel.",
    )
    click_tracking_individual: bool = Field(
        False,
        description="With CLICK_COUNTING, also record which subscriber followed which link "
        "and when (the privacy notice then says so). Off: nothing per person is stored.",
    )
    bounce_address: str = Field(
        "",
        description="Where bounces come back (envelope sender of every message), "
        "VERP-tagged per delivery with an HMAC: bounces@example.org becomes "
        "bounces+TOKEN@example.org, and a bounce then proves which delivery it is about. "
        "Empty: the FROM address is the envelope sender and bounces are matched only by "
        "the signed Message-ID they quote.",
    )
    dkim_domain: str = Field("", description="DKIM signing domain (empty: no signing).")
    dkim_selector: str = Field("", description="DKIM selector.")
    dkim_key_file: Path | None = Field(None, description="PEM private key for DKIM.")
    dmarc_nameservers: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="DNS servers (comma-separated host or host:port) asked for the DMARC "
        "policy of a list poster's domain. Empty: the system's resolvers.",
    )
    dmarc_timeout: float = Field(
        3.0,
        gt=0,
        description="Seconds a DMARC look-up may take; past it the poster's From is "
        "rewritten as if the domain published p=reject.",
    )
    annex_link_threshold: int = Field(
        2 * 1024 * 1024,
        description="Annexes larger than this many bytes are linked, not attached.",
    )

    # --- scheduling ----------------------------------------------------------------------
    schedule_grace_minutes: int = Field(
        60,
        description="A scheduled send missed while the app was down still starts "
        "within this many minutes; later it is held for the coordinator.",
    )
    assembly_reminder_days: int = Field(
        7,
        description="Days before an AG when the reminder goes to the organisations that "
        "have not answered (0 = none, unless the AG sets its own time).",
    )
    list_digest_hour: int = Field(
        7,
        ge=0,
        le=23,
        description="Hour of the day (TIMEZONE) from which the mailing-list digests of the "
        "day (or, on Mondays, the week) before are sent.",
    )
    assembly_quorum: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Quorum of an AG: more than this share of the full member "
        "organisations present or represented by a proxy (0.5 = simple majority).",
    )

    # --- incoming mail -------------------------------------------------------------------
    imap_host: str = Field("", description="IMAP server of the submissions mailbox.")
    imap_port: int = Field(993, description="IMAP port.")
    imap_username: str = Field("", description="IMAP login.")
    imap_password: SecretStr = Field(SecretStr(""), description="IMAP password.")
    imap_folder: str = Field("INBOX", description="Folder read by 'intake poll'.")
    imap_security: SmtpSecurity = Field(
        SmtpSecurity.tls, description="none, starttls or tls for IMAP."
    )
    imap_poll_minutes: int = Field(
        5, description="Minutes between two polls by 'serve' (0 = never)."
    )
    intake_max_attachment: int = Field(
        10 * 1024 * 1024,
        description="Files (attachments, images, annexes, minutes) over this many bytes are "
        "refused, from the forms, the console, the CLI and e-mail alike.",
    )
    image_max_pixels: int = Field(
        25_000_000,
        description="Images of more pixels than this (width × height) are refused before "
        "they are decoded (Pillow's own limit applies above it).",
    )
    intake_max_message: int = Field(
        25 * 1024 * 1024,
        description="Incoming e-mails over this many bytes are not read whole but "
        "quarantined (their headers are kept).",
    )
    intake_acknowledge: bool = Field(
        False, description="Send an acknowledgement e-mail to known senders."
    )
    intake_authserv_id: str = Field(
        "",
        description="authserv-id of our own receiving mail server in Authentication-Results "
        "headers (e.g. mx.example.org): only those headers are trusted for SPF/DKIM/DMARC; "
        "empty: none is trusted.",
    )
    intake_dkim_verify: bool = Field(
        True,
        description="Without a trusted Authentication-Results header, check the DKIM "
        "signature of incoming e-mail here (one DNS look-up per signed message).",
    )

    # --- limits and security of the web pages ---------------------------------------
    news_max_body: int = Field(
        20_000,
        ge=100,
        description="Longest news text accepted, in characters, from any door (forms, "
        "e-mail, command line); HTML bodies are counted once sanitised.",
    )
    news_max_line: int = Field(
        300,
        ge=20,
        description="Longest one-line field of a news item (title, organisation, sender, "
        "place, image description), in characters.",
    )
    news_max_link: int = Field(2000, ge=50, description="Longest link of a news item.")
    form_max_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body of a form without files, in bytes (refused "
        "with 413 before it is read).",
    )
    upload_max_bytes: int = Field(
        40 * 1024 * 1024,
        ge=1024,
        description="Largest request body of a form with files (news with an image and "
        "documents, imports), in bytes.",
    )
    request_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a client may take to send a request body; slower ones are cut.",
    )
    keep_alive_timeout: int = Field(
        5, ge=1, description="Seconds an idle keep-alive connection stays open."
    )
    session_idle_minutes: int = Field(
        120, ge=1, description="A console session unused this long ends (minutes)."
    )
    session_max_hours: int = Field(
        12, ge=1, description="A console session ends this long after login, used or not."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (comma-separated) of reverse proxies whose "
        "X-Forwarded-For is believed. Empty: the connection's address is the client.",
    )

    unsubscribe_link_days: int = Field(
        1825,
        ge=30,
        description="A one-click unsubscribe link in an e-mail works this long (days); "
        "long, as RFC 8058 expects of an old message.",
    )
    personal_link_days: int = Field(
        730, ge=1, description="Preferences and RSVP links in e-mails work this long (days)."
    )
    confirm_link_hours: int = Field(
        72, ge=1, description="A subscription confirmation link works this long (hours)."
    )
    subscribe_cooldown_minutes: int = Field(
        30,
        ge=1,
        le=1440,
        description="The subscription form sends an address at most one confirmation "
        "e-mail in this many minutes (the page answers the same meanwhile).",
    )
    partner_link_days: int = Field(
        400, ge=1, description="A partner's personal submission link works this long (days)."
    )

    @field_validator("categories", "trusted_proxies", "dmarc_nameservers", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any, info: ValidationInfo) -> Any:
        """A list given as text: comma-separated, or for the categories a JSON list."""
        if not isinstance(value, str):
            return value
        if info.field_name == "categories" and value.strip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]

    @model_validator(mode="after")
    def _shipped_folders(self) -> Settings:
        """The coordinator's ``lists/`` and ``templates/`` when present, else the shipped
        ones (an installed package run from any folder). A folder given explicitly is
        kept as it is, even missing: the error then says which folder."""
        if "lists_dir" not in self.model_fields_set and not self.lists_dir.is_dir():
            self.lists_dir = shipped_dir("lists")
        if "templates_dir" not in self.model_fields_set and not self.templates_dir.is_dir():
            self.templates_dir = shipped_dir("templates")
        return self

    # --- derived values ------------------------------------------------------------------
    def organisation_name_in(self, lang: str) -> str:
        """The network's name in ``lang``: the Dutch one for Dutch readers when it is set."""
        if lang == "nl" and self.organisation_name_nl.strip():
            return self.organisation_name_nl
        return self.organisation_name

    def from_address_in(self, lang: str) -> str:
        """The From header for readers of ``lang``: FROM, with the Dutch display name
        (``from_name_nl``, else the network's Dutch name in place of its French one) for
        Dutch readers. The address itself is the same in every language."""
        if lang != "nl":
            return self.from_address
        name, address = parseaddr(self.from_address)
        dutch = self.from_name_nl.strip()
        if not dutch and name.strip() == self.organisation_name.strip():
            dutch = self.organisation_name_nl.strip()
        if not dutch or not address:
            return self.from_address
        try:
            return str(Address(display_name=" ".join(dutch.split()), addr_spec=address))
        except ValueError:  # an address the e-mail package cannot rebuild: FROM as it is
            return self.from_address

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsletter.db').resolve()}"

    @property
    def secret(self) -> str:
        value = self.secret_key.get_secret_value()
        if not value:
            raise RuntimeError("secret key not loaded; use load_settings()")
        return value


SECRET_FIELDS = frozenset({"secret_key", "smtp_password", "imap_password", "database_url"})


def env_name(field: str) -> str:
    info = Settings.model_fields[field]
    return info.alias or f"{ENV_PREFIX}{field.upper()}"


def ensure_secret_key(settings: Settings) -> Settings:
    """Return settings with a secret key: the configured one, or one kept in DATA_DIR."""
    if settings.secret_key.get_secret_value():
        return settings
    path = settings.data_dir / "secret_key"
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
    else:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and ``.env``, then make sure a key exists."""
    return ensure_secret_key(Settings(**overrides))


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(environment name, displayed value, help) for every setting; secrets masked."""
    rows = []
    for field, info in Settings.model_fields.items():
        value = getattr(settings, field)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        shown = "" if value is None else str(value.value if isinstance(value, StrEnum) else value)
        if field in SECRET_FIELDS and shown:
            shown = mask_url(shown) if field == "database_url" else "********"
        rows.append((env_name(field), shown, info.description or ""))
    return rows


def mask_url(url: str) -> str:
    """Hide the password of a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "********"
