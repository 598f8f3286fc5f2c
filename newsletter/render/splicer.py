"""The splice of one variant, planned once, then a few steps per recipient.

A variant's layout (``mime.layout``) is fixed bytes and the places of a recipient's
values: headers (To, Message-ID, List-Unsubscribe), body lines with placeholders, the
RSVP blocks. The places and the small fixed pieces between them become a few pieces of
the recipient's own; the large fixed pieces (the content, the annexes) are the same for
every recipient and dot-stuffed once (``contract.Spliced``). A plan lists each own
piece as fixed texts and the values between them: the lines that only show the web
version's link (the same for every reader of a language) and the RSVP blocks are fixed
text of the plan, so that a recipient costs the checks of their values, a few slices and
one join per piece.

Quoted-printable cuts long lines (soft line breaks, ``splice.qp_fit``). A plan writes the
cut of each line into its fixed text (``_Mode``), chosen from the first recipient's
values; a later recipient's values are checked against the lengths the plan holds for,
and one whose values do not fit (a long name, a link with ``=``) gets each line encoded
on its own (the plan's ``general`` form): the same bytes either way (tests compare both
with the ``email`` package).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import itemgetter

from newsletter.render.contract import Personalization, Spliced, dot_stuffed
from newsletter.render.greeting import Greeting
from newsletter.render.mime import BodyBlock, BodyLine, HeaderMark, MessagePiece
from newsletter.render.splice import (
    CRLF,
    MAX_LINE,
    SLOT_ORDER,
    LineTemplate,
    Slot,
    address_line,
    check_click_person,
    check_message_id,
    clean_name,
    qp_fit,
    text_forms,
    url_forms,
)

#: fixed pieces up to this size between two places of a recipient's values go into the
#: recipient's own piece (copied per recipient, but one formatting instead of two pieces)
GROUPED = 2048
#: what quoted-printable encodes at the end of a line (``qp_fit``); "" is not one
WHITESPACE = (" ", "\t")
#: the positions in a recipient's values (``VariantSplice.__call__``) after the twelve
#: of ``LineTemplate.compiled`` (``SLOT_ORDER``'s HTML forms, then its text forms)
TO, MESSAGE_ID, UNSUBSCRIBE = 12, 13, 14
FIRST_EXTRA = 15
#: plans kept per variant (one per web version link, with and without an RSVP link)
PLANS_KEPT = 8

#: a body line encoded per recipient: ``(head, position, tail)`` for a line with one
#: value, else a ``str.format`` pattern over the values (``LineTemplate.compiled``)
Computed = tuple[str, int, str] | str
Picker = Callable[[list[str]], tuple[str, ...]]


class _Mode(Enum):
    """How a plan writes a body line."""

    #: encoded per recipient (``qp_fit``), its result one value of the pattern
    computed = "computed"
    #: the value in the line as is: the line stays under the length that cuts
    whole = "whole"
    #: one soft line break inside the value, at a fixed offset
    cut = "cut"


#: what a value at ``position`` must be for a plan's line to hold: a length within
#: ``low``..``high`` and no whitespace at its end (encoded by ``qp_fit``); with an
#: ``offset`` (≥ 0), the line is cut there in the value, which must hold no ``=`` (an
#: ``=`` may make ``qp_fit`` cut elsewhere), and its two halves follow the values
Step = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class _Plan:
    """The own pieces of one variant for the readers of one web version link, with or
    without an RSVP link."""

    #: the HTML and text forms of the web version link (``splice.url_forms``)
    web: tuple[str, str]
    #: the lines written with their value as is or cut at a fixed offset
    steps: tuple[Step, ...]
    #: lines encoded per recipient, their results after the halves of the cuts
    computed: tuple[Computed, ...]
    #: the fixed texts of the pieces, after the computed lines
    fixed: tuple[str, ...]
    #: ``(index of the piece, what it joins)`` of each own piece
    pieces: tuple[tuple[int, Picker], ...]
    #: the same plan with every line computed, for values that fail ``steps``
    general: _Plan | None


def _picker(indexes: Sequence[int]) -> Picker:
    """The values at ``indexes``, as a tuple (the ``%`` operand)."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if indexes:
        (only,) = indexes
        return lambda values: (values[only],)
    return lambda values: ()


def _whole_crlf_lines(piece: bytes) -> bool:
    """Whether ``piece`` ends with CRLF and has no other CR or LF than its line ends."""
    ends = piece.count(b"\r\n")
    return piece.endswith(b"\r\n") and ends == piece.count(b"\n") == piece.count(b"\r")


def _mode(compiled: Computed, values: Sequence[str]) -> tuple[_Mode, Step]:
    """How to write a line given the values of the recipient a plan is made for, and
    what values of later recipients must be for that to hold (``qp_fit``'s rules)."""
    if isinstance(compiled, str):
        return _Mode.computed, (0, 0, 0, -1)
    head, position, tail = compiled
    value = values[position]
    line = head + value + tail
    size, fixed = len(line), len(head) + len(tail)
    if not line or line[-1] in WHITESPACE:
        return _Mode.computed, (0, 0, 0, -1)
    if size <= MAX_LINE:
        return _Mode.whole, (position, 0 if tail else 1, MAX_LINE - fixed, -1)
    cut = MAX_LINE - 1
    if (
        size <= 2 * cut + 1
        and len(head) <= cut <= len(head) + len(value)
        and "=" not in head[MAX_LINE - 3 :] + value + tail
    ):
        low = max(MAX_LINE + 1 - fixed, cut - len(head))
        return _Mode.cut, (position, low, 2 * cut + 1 - fixed, cut - len(head))
    return _Mode.computed, (0, 0, 0, -1)


class VariantSplice:
    """A variant's message for one recipient as pieces (``contract.Spliced``), from the
    segments of its layout; ``greeting`` greets the reader (``Greeting.to``), ``mailto``
    is the List-Unsubscribe fallback."""

    def __init__(
        self,
        segments: Sequence[MessagePiece],
        greeting: Greeting,
        mailto: str,
    ) -> None:
        self._greeting = greeting
        head, found, tail = greeting.named.partition("{name}")
        #: the named greeting around the name, when ``str.format`` would only put it there
        self._around = (head, tail) if found and "{" not in head + tail else None
        self._mailto = mailto
        #: the layout: fixed bytes, and groups of places with the fixed text between them
        layout: list[bytes | list[MessagePiece]] = []
        for segment in segments:
            if type(segment) is bytes:
                if segment and not _whole_crlf_lines(segment):
                    raise ValueError("a message piece that is not whole CRLF lines")
                layout.append(segment)
                continue
            if type(segment) is BodyBlock:
                if segment.when is not Slot.rsvp_url:
                    raise ValueError(f"no conditional block on {segment.when}")
                if not _whole_crlf_lines(segment.data):
                    raise ValueError("a message piece that is not whole CRLF lines")
            elif type(segment) is BodyLine and segment.template.when not in (None, Slot.rsvp_url):
                raise ValueError(f"no conditional line on {segment.template.when}")
            last = layout[-1] if layout else None
            if isinstance(last, list):
                last.append(segment)
            elif (
                type(last) is bytes
                and len(layout) > 1
                and isinstance(layout[-2], list)
                and len(last) <= GROUPED
                and last.isascii()
            ):
                layout.pop()
                group = layout[-1]
                assert isinstance(group, list)
                group += [last, segment]
            else:
                layout.append([segment])
        marks = {s for s in segments if isinstance(s, HeaderMark)}
        if marks != set(HeaderMark):
            raise ValueError("a message layout without its To, Message-ID or List-Unsubscribe")
        self._groups = [(i, g) for i, g in enumerate(layout) if isinstance(g, list)]
        #: the pieces every recipient shares (``b""`` where their own go)
        self._parts = [b"" if isinstance(p, list) else p for p in layout]
        self._own = tuple(index for index, _group in self._groups)
        #: the pieces as they go after SMTP DATA, dot-stuffed once for every reader
        self._stuffed = tuple(dot_stuffed(piece) for piece in self._parts)
        self._plans: dict[str, _Plan] = {}
        self._rsvp_plans: dict[str, _Plan] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its plans (a plan holds functions; the render child hands
        variants to the sender pickled): they are made again at first use."""
        state = self.__dict__.copy()
        state["_plans"], state["_rsvp_plans"] = {}, {}
        return state

    def _plan(self, forms: list[str], rsvp: bool, general: bool = False) -> _Plan:
        """The plan for readers with the web version link whose forms ``forms`` holds
        (at positions 3 and 9), with or without an RSVP link, its cuts chosen for the
        values of ``forms``; ``general``: every line computed (a plan's ``general``)."""
        steps: list[Step] = []
        cuts = 0
        computed: list[Computed] = []
        fixed: list[str] = []
        #: per own piece what it joins: fixed text, a value ("value", position), a
        #: computed line ("line", number)
        drafts: list[tuple[int, list[str | tuple[str, int]]]] = []
        web = {"web_url": forms[3]}, {"web_url": forms[9]}
        for index, group in self._groups:
            joined: list[str | tuple[str, int]] = []
            for item in group:
                if type(item) is bytes:
                    joined.append(item.decode("ascii"))
                elif item is HeaderMark.to:
                    joined.append(("value", TO))
                elif item is HeaderMark.message_id:
                    joined += ["Message-ID: ", ("value", MESSAGE_ID), CRLF]
                elif item is HeaderMark.list_unsubscribe:
                    joined += ["List-Unsubscribe: <", ("value", UNSUBSCRIBE)]
                    joined.append(f">,{CRLF} <{self._mailto}>{CRLF}")
                elif type(item) is BodyBlock:
                    if rsvp:
                        joined.append(item.data.decode("ascii"))
                elif type(item) is BodyLine and (rsvp or item.template.when is None):
                    template: LineTemplate = item.template
                    if {p for p in template.pieces if isinstance(p, Slot)} <= {Slot.web_url}:
                        # the same for every reader of this plan
                        line = template.encode(web[0] if item.html else web[1])
                        joined.append(line.decode("ascii"))
                        continue
                    compiled = template.compiled(item.html)
                    mode, step = _mode(compiled, forms)
                    if general or mode is _Mode.computed or isinstance(compiled, str):
                        joined += [("line", len(computed)), CRLF]
                        computed.append(compiled)
                        continue
                    head, position, tail = compiled
                    steps.append(step)
                    if mode is _Mode.whole:
                        joined += [head, ("value", position), tail + CRLF]
                    else:  # the halves of the cuts follow the recipient's values
                        first = FIRST_EXTRA + 2 * cuts
                        joined += [head, ("value", first), "=" + CRLF]
                        joined += [("value", first + 1), tail + CRLF]
                        cuts += 1
            drafts.append((index, joined))
        # the values of a recipient (``FIRST_EXTRA``), the halves of the cuts, the computed
        # lines, then the fixed texts
        first_line = FIRST_EXTRA + 2 * cuts
        first_fixed = first_line + len(computed)
        pieces = []
        for index, joined in drafts:
            positions: list[int] = []
            text = ""
            for what in [*joined, ""]:
                if isinstance(what, str):
                    text += what
                    continue
                if text:
                    positions.append(first_fixed + len(fixed))
                    fixed.append(text)
                    text = ""
                kind, number = what
                positions.append(number if kind == "value" else first_line + number)
            if text:
                positions.append(first_fixed + len(fixed))
                fixed.append(text)
            pieces.append((index, _picker(positions)))
        return _Plan(
            web=(forms[3], forms[9]),
            steps=tuple(steps),
            computed=tuple(computed),
            fixed=tuple(fixed),
            pieces=tuple(pieces),
            general=None if general or not steps else self._plan(forms, rsvp, general=True),
        )

    def __call__(self, values: Personalization) -> Spliced:
        """The message of one recipient as pieces.

        Every value is checked or escaped for where it goes: links by ``url_forms``
        (refused unless plain printable ASCII), the greeting escaped for HTML, the
        headers built by the ``splice`` header functions; then put in quoted-printable
        form once, whatever the number of lines that show it.
        """
        name = clean_name(values.name)
        if name and self._around is not None:  # what ``Greeting.to`` gives, put together
            greeting = self._around[0] + name + self._around[1]
        else:
            greeting = self._greeting.to(name)
        unsubscribe = values.unsubscribe_url
        html_unsubscribe, text_unsubscribe = url_forms(unsubscribe)
        html_preferences, text_preferences = url_forms(values.preferences_url)
        rsvp = values.rsvp_url
        html_rsvp, text_rsvp = url_forms(rsvp) if rsvp else ("", "")
        # "~" and URL-safe characters: the same in both parts, nothing to escape or quote
        person = check_click_person(values.click_person)
        html_greeting, text_greeting = text_forms(greeting)
        web = values.web_url
        plans = self._rsvp_plans if rsvp else self._plans
        plan = plans.get(web)
        html_web, text_web = url_forms(web) if plan is None else plan.web
        # in the order of ``SLOT_ORDER``, then the headers' values
        forms = [
            html_greeting,
            html_unsubscribe,
            html_preferences,
            html_web,
            html_rsvp,
            person,
            text_greeting,
            text_unsubscribe,
            text_preferences,
            text_web,
            text_rsvp,
            person,
            address_line("To", name, values.email, clean=True),
            check_message_id(values.message_id),
            unsubscribe,
        ]
        if plan is None:
            if len(plans) >= PLANS_KEPT:
                plans.clear()
            plan = plans[web] = self._plan(forms, bool(rsvp))
        for position, low, high, offset in plan.steps:
            value = forms[position]
            if (
                not low <= len(value) <= high
                or value[-1:] in WHITESPACE
                or (offset >= 0 and "=" in value)
            ):
                assert plan.general is not None
                del forms[FIRST_EXTRA:]
                plan = plan.general
                break
            if offset >= 0:
                forms += (value[:offset], value[offset:])
        for line in plan.computed:
            if isinstance(line, str):
                forms.append(qp_fit(line.format(*forms)))
            else:
                head, at, tail = line
                forms.append(qp_fit(head + forms[at] + tail))
        forms += plan.fixed
        out = self._parts.copy()
        for index, joined in plan.pieces:
            out[index] = "".join(joined(forms)).encode("ascii")
        return Spliced(out, self._stuffed, self._own)


__all__ = ["SLOT_ORDER", "VariantSplice"]
