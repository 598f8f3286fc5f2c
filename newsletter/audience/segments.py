"""Segments: one YAML file per list in ``lists/`` (the file name is the list id).

```yaml
title: {fr: Membres effectifs, nl: Effectieve leden}
description: Organisations membres effectives
match:            # keys AND-ed, values OR-ed within a key
  membership: effectif
  groups: [logement, sante-mentale]
exclude:          # same form; a subscriber matching it is left out
  roles: [comite]
subscribers:      # static addresses, always included while they are active
  - partenaire@example.org
posting:          # optional: the list takes posts (``audience.posting``)
  address: gt-logement@reseau.example
```
Keys: ``membership`` (effectif, adherent, none), ``language`` (fr, nl), ``groups``,
``roles``, ``organisation`` (names). A file with an error is reported with its name
and the problem; the other lists still load. ``iter_recipients`` computes the
recipients of a send to several lists, deduplicated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import String, Text, cast, select
from sqlalchemy.orm import Session

from newsletter.audience.departures import membership_on
from newsletter.audience.departures import today as local_today
from newsletter.audience.normalize import name_key, parse_language, parse_membership, slug
from newsletter.audience.posting import Posting, PostingError, parse_posting
from newsletter.errors import NotFoundError
from newsletter.i18n import LANGUAGES, N_, Msg
from newsletter.models import Membership, SubscriberStatus
from newsletter.store.audience import ListOptOut, Organisation, Subscriber

KEYS = ("membership", "language", "groups", "roles", "organisation")
#: the distinct profiles whose matched lists ``iter_recipients`` keeps (memory bound)
PROFILES_KEPT = 4096
Criteria = dict[str, frozenset[str]]


@dataclass(frozen=True)
class Segment:
    id: str
    title: dict[str, str]
    description: str = ""
    match: Criteria = field(default_factory=dict)
    exclude: Criteria = field(default_factory=dict)
    subscribers: frozenset[str] = frozenset()
    #: the list takes posts at this address (``posting:``), None when it does not
    posting: Posting | None = None

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("fr") or self.id

    def contains(self, facts: Criteria, email_key: str) -> bool:
        """Whether a subscriber with these facts belongs to the list."""
        return email_key in self.subscribers or self.matches(facts)

    def matches(self, facts: Criteria) -> bool:
        """Whether these facts match the list's rules (its static addresses aside)."""
        if not _matches(self.match, facts):
            return False
        return not (self.exclude and _matches(self.exclude, facts))


@dataclass(frozen=True)
class SegmentError:
    file: str
    problem: Msg

    def render(self, lang: str = "fr") -> str:
        return f"{self.file}: {self.problem.render(lang)}"


@dataclass(frozen=True)
class Recipient:
    subscriber_id: int
    email: str
    name: str
    language: str
    membership: str
    organisation: str


def _matches(criteria: Criteria, facts: Criteria) -> bool:
    return all(facts.get(key, frozenset()) & wanted for key, wanted in criteria.items())


def facts_of(subscriber: Subscriber, organisation: Organisation | None) -> Criteria:
    return {
        # an organisation that has left is no member any more (``departures``)
        "membership": frozenset({membership_on(organisation, local_today()).value}),
        "language": frozenset({subscriber.language.value}),
        "groups": frozenset(subscriber.groups or ()),
        "roles": frozenset(subscriber.roles or ()),
        "organisation": frozenset({organisation.name_key}) if organisation else frozenset(),
    }


class _Invalid(Exception):
    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msg = Msg(msgid, params)


def _values(key: str, raw: Any) -> frozenset[str]:
    items = raw if isinstance(raw, list) else [raw]
    out: set[str] = set()
    for item in items:
        if not isinstance(item, str | int | float | bool) or isinstance(item, bool):
            raise _Invalid(N_("'{key}' must be a value or a list of values"), key=key)
        text = str(item)
        if key == "membership":
            membership = parse_membership(text)
            if membership is None:
                raise _Invalid(N_("unknown membership '{value}'"), value=text)
            out.add(membership.value)
        elif key == "language":
            language = parse_language(text)
            if language is None:
                raise _Invalid(N_("unknown language '{value}'"), value=text)
            out.add(language.value)
        elif key == "organisation":
            out.add(name_key(text))
        else:
            out.add(slug(text))
    return frozenset(out)


def _criteria(section: str, raw: Any) -> Criteria:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _Invalid(N_("'{section}' must be a mapping of keys to values"), section=section)
    criteria: Criteria = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise _Invalid(
                N_("unknown key '{key}' in '{section}' (allowed: {allowed})"),
                key=key,
                section=section,
                allowed=", ".join(KEYS),
            )
        criteria[key] = _values(key, value)
    return criteria


def parse_segment(list_id: str, text: str) -> Segment:
    import yaml  # only when reading list files

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise _Invalid(N_("not valid YAML (line {line})"), line=line) from error
    if not isinstance(data, dict):
        raise _Invalid(N_("the file must be a mapping with 'title' and 'match'"))
    unknown = set(data) - {"title", "description", "match", "exclude", "subscribers", "posting"}
    if unknown:
        raise _Invalid(N_("unknown field(s): {fields}"), fields=", ".join(sorted(unknown)))
    title = data.get("title")
    if not isinstance(title, dict) or not all(
        isinstance(title.get(lang), str) and title[lang].strip() for lang in LANGUAGES
    ):
        raise _Invalid(N_("'title' must give a French and a Dutch title (fr:, nl:)"))
    static = data.get("subscribers") or []
    if not isinstance(static, list) or not all(isinstance(a, str) for a in static):
        raise _Invalid(N_("'subscribers' must be a list of e-mail addresses"))
    posting = None
    if data.get("posting") is not None:
        try:
            posting = parse_posting(data["posting"])
        except PostingError as error:
            raise _Invalid(error.msg.msgid, **error.msg.params) from error
    return Segment(
        id=list_id,
        title={lang: title[lang].strip() for lang in LANGUAGES},
        description=str(data.get("description") or "").strip(),
        match=_criteria("match", data.get("match")),
        exclude=_criteria("exclude", data.get("exclude")),
        subscribers=frozenset(address.strip().casefold() for address in static),
        posting=posting,
    )


def load_segments(lists_dir: Path) -> tuple[dict[str, Segment], list[SegmentError]]:
    """Every list of the folder, and the files that could not be read (with why)."""
    segments: dict[str, Segment] = {}
    errors: list[SegmentError] = []
    if not lists_dir.is_dir():
        return segments, [SegmentError(str(lists_dir), Msg(N_("folder not found")))]
    for path in sorted([*lists_dir.glob("*.yaml"), *lists_dir.glob("*.yml")]):
        try:
            segments[path.stem] = parse_segment(path.stem, path.read_text(encoding="utf-8"))
        except _Invalid as error:
            errors.append(SegmentError(path.name, error.msg))
        except (OSError, UnicodeDecodeError) as error:
            errors.append(SegmentError(path.name, Msg(N_("unreadable: {error}"), {"error": error})))
    _unique_posting_addresses(segments, errors)
    return segments, errors


def _unique_posting_addresses(segments: dict[str, Segment], errors: list[SegmentError]) -> None:
    """A posting address (or a list's bare address) belongs to one list: a later file
    that repeats it loads without taking posts, and says why."""
    owners: dict[str, str] = {}
    for list_id in sorted(segments):
        segment = segments[list_id]
        if segment.posting is None:
            continue
        address = segment.posting.address
        if address in owners:
            errors.append(
                SegmentError(
                    f"{list_id}.yaml",
                    Msg(
                        N_("posting address {address} is already the address of list '{list}'"),
                        {"address": address, "list": owners[address]},
                    ),
                )
            )
            segments[list_id] = replace(segment, posting=None)
        else:
            owners[address] = list_id


def pick(segments: dict[str, Segment], list_ids: Iterable[str]) -> list[Segment]:
    chosen = []
    for list_id in list_ids:
        if list_id not in segments:
            raise NotFoundError(
                N_("Unknown list '{list}'. Lists: {known}"),
                list=list_id,
                known=", ".join(sorted(segments)) or "-",
            )
        chosen.append(segments[list_id])
    return chosen


def iter_recipients(
    session: Session, segments: dict[str, Segment], list_ids: Sequence[str]
) -> Iterator[Recipient]:
    """Active subscribers of any of the lists, each once, per-list opt-outs honoured.

    Streams the subscribers table as plain columns straight from the connection (no ORM
    rows, no JSON decoded per row: this runs once per recipient of a send); the lists'
    rules are matched once per distinct profile (organisation's kind and name, language,
    groups, roles), for the first few thousand profiles. Memory grows only with those
    and with the opt-outs of the lists.
    """
    chosen = pick(segments, list_ids)
    connection = session.connection()
    optouts: dict[int, set[str]] = {}
    for subscriber_id, list_id in connection.execute(
        select(ListOptOut.subscriber_id, ListOptOut.list_id).where(
            ListOptOut.list_id.in_([segment.id for segment in chosen])
        )
    ):
        optouts.setdefault(subscriber_id, set()).add(list_id)
    today = local_today()
    by_name = any("organisation" in s.match or "organisation" in s.exclude for s in chosen)
    #: organisation id → (its membership today, its name key, its name)
    organisations: dict[int, tuple[str, str, str]] = {}
    for row in connection.execute(
        select(
            Organisation.id, Organisation.membership, Organisation.name_key,
            Organisation.left_on, Organisation.name,
        )
    ):  # fmt: skip
        # an organisation that has left is no member any more (``departures``)
        left = row.left_on is not None and row.left_on < today
        kind = Membership.none if left else row.membership
        organisations[row.id] = (kind.value, row.name_key if by_name else "", row.name)
    nobody = (Membership.none.value, "", "")
    static = any(segment.subscribers for segment in chosen)
    # the ids of the lists whose rules a profile matches, for the first profiles
    matched: dict[tuple[str, str, str, str | None, str | None], frozenset[str]] = {}
    rows = connection.execute(
        select(
            Subscriber.id, Subscriber.email, Subscriber.email_key, Subscriber.name,
            cast(Subscriber.language, String), cast(Subscriber.groups, Text),
            cast(Subscriber.roles, Text), Subscriber.organisation_id,
        )
        .where(Subscriber.status == SubscriberStatus.active)
        .order_by(Subscriber.id)
        .execution_options(yield_per=1000)
    )  # fmt: skip
    for sid, email, email_key, name, language, groups, roles, org_id in rows:
        org = nobody if org_id is None else organisations.get(org_id, nobody)
        key = (org[0], org[1], language, groups, roles)
        lists = matched.get(key)
        if lists is None:
            facts: Criteria = {
                "membership": frozenset({org[0]}),
                "language": frozenset({language}),
                "groups": frozenset(_json_strings(groups)),
                "roles": frozenset(_json_strings(roles)),
                "organisation": frozenset({org[1]}) if org[1] else frozenset(),
            }
            lists = frozenset(segment.id for segment in chosen if segment.matches(facts))
            if len(matched) < PROFILES_KEPT:
                matched[key] = lists
        left = optouts.get(sid)
        if left is None and not static:
            wanted = bool(lists)
        else:
            wanted = any(
                (left is None or segment.id not in left)
                and (segment.id in lists or email_key in segment.subscribers)
                for segment in chosen
            )
        if wanted:
            yield Recipient(
                subscriber_id=sid,
                email=email,
                name=name,
                language=language,
                membership=org[0],
                organisation=org[2],
            )


def _json_strings(raw: str | None) -> list[str]:
    """A JSON list of strings as stored (NULL: none)."""
    value = json.loads(raw) if raw else None
    return [str(item) for item in value] if isinstance(value, list) else []


def count_lists(
    session: Session,
    segments: dict[str, Segment],
    selected: Sequence[str] = (),
    languages: dict[str, int] | None = None,
) -> tuple[dict[str, int], int]:
    """Active recipients of every list, and of the ``selected`` lists together (each
    person once), per-list opt-outs honoured: the figures ``iter_recipients`` would give,
    in one pass over plain columns, each distinct profile matched against the lists once.
    ``languages``, when given, gets the ``selected`` lists' readers counted per language."""
    counts = dict.fromkeys(segments, 0)
    wanted = {list_id for list_id in selected if list_id in segments}
    # plain columns straight from the connection (no ORM rows, no JSON decoded per row)
    connection = session.connection()
    optouts: dict[int, set[str]] = {}
    for subscriber_id, list_id in connection.execute(
        select(ListOptOut.subscriber_id, ListOptOut.list_id)
    ):
        optouts.setdefault(subscriber_id, set()).add(list_id)
    today = local_today()
    organisations = {
        org_id: (Membership.none.value if left_on is not None and left_on < today else membership,
                 key)
        for org_id, membership, key, left_on in connection.execute(
            select(
                Organisation.id, cast(Organisation.membership, String), Organisation.name_key,
                Organisation.left_on,
            )
        )
    }  # fmt: skip
    static = [segment for segment in segments.values() if segment.subscribers]
    by_name = any("organisation" in s.match or "organisation" in s.exclude
                  for s in segments.values())  # fmt: skip
    reach = 0
    # the lists of a profile are matched once, for its first subscriber
    matched: dict[tuple[Any, ...], frozenset[str]] = {}
    rows = connection.execute(
        select(
            Subscriber.id, Subscriber.email_key, Subscriber.organisation_id,
            cast(Subscriber.language, String), cast(Subscriber.groups, Text),
            cast(Subscriber.roles, Text),
        ).where(Subscriber.status == SubscriberStatus.active)
    )  # fmt: skip
    none = (Membership.none.value, "")
    profiles = {
        org_id: (kind, name if by_name else "") for org_id, (kind, name) in organisations.items()
    }
    for subscriber_id, email_key, org_id, language, groups, roles in rows:
        kind, name = profiles.get(org_id, none) if org_id is not None else none
        key = (kind, name, language, groups, roles)
        lists = matched.get(key)
        if lists is None:
            facts: Criteria = {
                "membership": frozenset({kind}),
                "language": frozenset({language}),
                "groups": frozenset(_json_strings(groups)),
                "roles": frozenset(_json_strings(roles)),
                "organisation": frozenset({name}) if name else frozenset(),
            }
            lists = frozenset(s.id for s in segments.values() if s.contains(facts, ""))
            matched[key] = lists
        mine: AbstractSet[str] = lists
        if static or subscriber_id in optouts:
            mine = (lists | {s.id for s in static if email_key in s.subscribers}) - optouts.get(
                subscriber_id, set()
            )
        for list_id in mine:
            counts[list_id] += 1
        if not wanted.isdisjoint(mine):
            reach += 1
            if languages is not None:
                languages[language] = languages.get(language, 0) + 1
    return counts, reach
