"""A variant's splice is planned from its first recipient: later recipients of every
shape, through that plan or around it, get the bytes the email package makes."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace

import pytest

from newsletter.context import Context
from newsletter.delivery.smtp import wire_body
from newsletter.errors import ValidationError
from newsletter.render import Personalization, prepare_issue
from newsletter.render.preview import personalization_for
from tests.content.test_mime import CLICK_MODES, parse, reference


@pytest.mark.parametrize("clicks", list(CLICK_MODES))
def test_recipients_of_every_shape_after_a_usual_one(
    ctx: Context, issue_id: int, clicks: str
) -> None:
    settings = ctx.settings.model_copy(update=CLICK_MODES[clicks])
    with ctx.db.session() as session:
        prepared = prepare_issue(session, settings, issue_id)
    variant = prepared.variant("fr", "effectif")
    ag = variant.rsvp_assembly_id

    def usual(sid: int, name: str, rsvp: bool) -> Personalization:
        email = f"reader{sid}@example.net"
        return personalization_for(settings, issue_id, sid, email, name, ag if rsvp else None)

    first = usual(7, "Hélène Exemple", True)
    spliced = variant.splice(first)
    # the reader's own pieces are few: headers, the lines around the content, the footer
    assert len(spliced.own) <= 4 < len(spliced.pieces)
    generator = random.Random(20)
    alphabet = "aé &<>\"'=\t\r\n\x00\u200b\u202e€😀{}%ß."
    recipients = [first, usual(8, "", True), usual(10**11, "Ann", False)]
    for number in range(60):
        name = "".join(generator.choice(alphabet) for _ in range(generator.randrange(90)))
        tail = "".join(generator.choice("a=&%~;?-_.") for _ in range(generator.randrange(120)))
        recipient = usual(
            generator.randrange(1, 10 ** generator.randrange(1, 13)), name, number % 3 > 0
        )
        if number % 4 == 1:  # links of other lengths and with characters to quote
            recipient = replace(
                recipient,
                unsubscribe_url=recipient.unsubscribe_url[: 30 + number] + tail,
                preferences_url=f"{recipient.preferences_url}&{tail}=",
            )
        if number % 4 == 2 and recipient.rsvp_url:
            recipient = replace(recipient, rsvp_url=f"{recipient.rsvp_url}={tail}")
        recipients.append(recipient)
    for recipient in recipients:
        data = variant.personalize(recipient)
        date = str(parse(data)["Date"])
        assert data == reference(variant, prepared, recipient, ctx, date), recipient
        pieces = variant.splice(recipient)
        assert bytes(pieces) == data
        assert b"".join(pieces.wire()) == wire_body(data), recipient


@pytest.mark.parametrize(
    "field,bad",
    [
        ("email", "a@example.org\r\nBcc: b@example.org"),
        ("message_id", "<x@example.org>\n"),
        ("unsubscribe_url", "https://x.example.org/u/\r\nBcc: b@example.org"),
        ("preferences_url", "https://x.example.org/p/\n"),
        ("web_url", 'https://x.example.org/"><script>'),
        ("rsvp_url", "https://x.example.org/rsvp/ x"),
        ("click_person", "~abc\r\n.\r\nMAIL FROM:<x@example.org>"),
    ],
)
def test_bad_values_are_refused_after_the_plan_is_made(
    ctx: Context, issue_id: int, field: str, bad: str
) -> None:
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant("fr", "effectif")
    good = personalization_for(
        ctx.settings, issue_id, 7, "r@example.net", "Hélène", variant.rsvp_assembly_id
    )
    variant.splice(good)
    with pytest.raises(ValidationError):
        variant.splice(replace(good, **{field: bad}))
    assert bytes(variant.splice(good)) == variant.personalize(good)


def test_values_of_every_length_around_the_cuts(ctx: Context, issue_id: int) -> None:
    """Links and names one character longer at a time, across the lengths where a line
    starts to be cut and where it is cut twice, and a link with "=" at every place."""
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant("fr", "effectif")
    good = personalization_for(
        ctx.settings, issue_id, 7, "r@example.net", "Hélène", variant.rsvp_assembly_id
    )
    variant.splice(good)
    base = ctx.settings.base_url
    recipients = [replace(good, name="x" * size) for size in range(90)]
    recipients += [replace(good, name="é" * size) for size in range(30)]
    for size in range(1, 190):
        link = f"{base}/u/" + "a" * size
        recipients.append(replace(good, unsubscribe_url=link, rsvp_url=link))
        if size < 120:
            with_equals = f"{base}/p/" + "b" * size + "=c"
            recipients.append(replace(good, preferences_url=with_equals))
    for recipient in recipients:
        data = variant.personalize(recipient)
        date = str(parse(data)["Date"])
        assert data == reference(variant, prepared, recipient, ctx, date), recipient
        assert b"".join(variant.splice(recipient).wire()) == wire_body(data), recipient


def test_a_variant_spliced_before_is_pickled_without_its_plans(ctx: Context, issue_id: int) -> None:
    """The render child hands its variants to the sender pickled: one that has spliced
    already (its plans made) goes through and splices alike."""
    with ctx.db.session() as session:
        prepared = prepare_issue(session, ctx.settings, issue_id)
    variant = prepared.variant("fr", "effectif")
    reader = personalization_for(
        ctx.settings, issue_id, 7, "r@example.net", "Hélène", variant.rsvp_assembly_id
    )
    data = variant.personalize(reader)
    copy = pickle.loads(pickle.dumps(variant))
    assert copy.personalize(reader) == data
    assert copy.personalize(replace(reader, rsvp_url="")) == variant.personalize(
        replace(reader, rsvp_url="")
    )
