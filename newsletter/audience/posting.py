"""The ``posting:`` block of a list file: the list takes posts at an address.

```yaml
posting:
  address: gt-logement@reseau.example    # required; unique across lists
  who: members          # members (of this list) | subscribers (of any list) | anyone
  moderation: new-senders   # none | new-senders (a sender's first post) | all
  reply_to: list        # list | poster: where replies go
  max_bytes: 2000000    # larger posts are held
  hard_max_bytes: 10000000  # a moderator may approve a held post up to this size
  attachments: [application/pdf, "image/*", text/plain]   # allowed types; [] = none
  tag: "[GT Logement]"  # subject tag; default: "[<French title>]"
```
Validated with pydantic; a mistake is reported with the file name, the field and the
problem, and the list still loads without taking posts.
"""

from __future__ import annotations

from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from newsletter.i18n import N_, Msg

#: default size limit of a post (the whole message, attachments included)
DEFAULT_MAX_BYTES = 2_000_000
#: default hard limit: a post held for its size may be approved up to it, never above
DEFAULT_HARD_MAX_BYTES = 10_000_000
DEFAULT_ATTACHMENTS = ("application/pdf", "image/*", "text/plain", "text/calendar")


class Who(StrEnum):
    """Who may post without being held for it."""

    members = "members"  # people the list itself reaches
    subscribers = "subscribers"  # anyone with an active subscription to any list
    anyone = "anyone"


class Moderation(StrEnum):
    none = "none"  # allowed senders' posts go out at once
    new_senders = "new-senders"  # a sender's first post waits (until approved and trusted)
    all = "all"  # every post waits


class ReplyTo(StrEnum):
    list = "list"  # Reply-To: the list address
    poster = "poster"  # no Reply-To added: replies go to the poster


class Posting(BaseModel):
    """A list's posting settings (``posting:`` in its YAML file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    who: Who = Who.members
    moderation: Moderation = Moderation.new_senders
    reply_to: ReplyTo = ReplyTo.list
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=1000, le=50_000_000)
    hard_max_bytes: int | None = Field(default=None, gt=1000, le=50_000_000)
    attachments: tuple[str, ...] = DEFAULT_ATTACHMENTS
    tag: str | None = Field(default=None, max_length=60)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as error:
            raise ValueError(f"not an e-mail address ({error})") from None
        return checked.normalized.casefold()

    @field_validator("attachments")
    @classmethod
    def _types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for item in value:
            kind = item.strip().casefold()
            main, _, sub = kind.partition("/")
            if not main or not sub or any(c.isspace() for c in kind):
                raise ValueError(f"'{item}' is not a MIME type such as application/pdf or image/*")
            out.append(kind)
        return tuple(out)

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if any(ord(c) < 32 for c in value):
            raise ValueError("the tag must be one line of text")
        return value.strip() or None

    @field_validator("hard_max_bytes")
    @classmethod
    def _hard(cls, value: int | None, info: ValidationInfo) -> int | None:
        soft = info.data.get("max_bytes")
        if value is not None and isinstance(soft, int) and value < soft:
            raise ValueError(f"must be at least max_bytes ({soft})")
        return value

    @property
    def hard_limit(self) -> int:
        """Posts larger than this cannot be approved: ``hard_max_bytes``, else the larger
        of ``max_bytes`` and ``DEFAULT_HARD_MAX_BYTES``."""
        return self.hard_max_bytes or max(self.max_bytes, DEFAULT_HARD_MAX_BYTES)

    def tag_for(self, title: str) -> str:
        """The subject tag: the ``tag`` given, else ``[title]``."""
        return self.tag or f"[{title}]"

    def allows_type(self, content_type: str) -> bool:
        """Whether an attachment of this MIME type may go out with a post."""
        kind = content_type.strip().casefold()
        return any(fnmatchcase(kind, pattern) for pattern in self.attachments)


class PostingError(Exception):
    """The ``posting:`` block is wrong; ``msg`` says where and why."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(str(msg))
        self.msg = msg


def parse_posting(raw: Any) -> Posting:
    """The posting settings of a list file's ``posting:`` value, or ``PostingError``."""
    if not isinstance(raw, dict):
        raise PostingError(Msg(N_("'posting' must be a mapping (address:, who:, moderation:…)")))
    try:
        return Posting.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "posting"
        problem = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise PostingError(
            Msg(N_("'posting.{field}': {problem}"), {"field": where, "problem": problem})
        ) from None
