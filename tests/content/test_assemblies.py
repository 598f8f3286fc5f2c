"""AGs: the previous PV goes with the invitation; the .ics keeps its UID across updates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from newsletter.context import Context
from newsletter.editorial.assemblies import (
    approves_previous_minutes,
    attach_minutes,
    create_assembly,
    minutes_to_attach,
    parse_agenda,
    parse_speaker,
    update_assembly,
)
from newsletter.editorial.ics import assembly_ics
from newsletter.errors import ValidationError

PLACE = "Rue de l'Exemple 1, 1000 Bruxelles"


def test_first_agenda_item_approves_previous_minutes(ctx: Context) -> None:
    with ctx.db.session() as session:
        first = create_assembly(session, ctx.settings, title="AG 1", place=PLACE,
                                starts_at=datetime(2026, 6, 1, 12, tzinfo=UTC))  # fmt: skip
        assert first.agenda == []
        assert minutes_to_attach(session, first) is None
        attach_minutes(session, first, "PV AG juin.pdf", b"%PDF-1.4 pv")
        second = create_assembly(session, ctx.settings, title="AG 2", place=PLACE,
                                 starts_at=datetime(2026, 9, 1, 12, tzinfo=UTC),
                                 agenda=["Budget"])  # fmt: skip
        assert second.agenda[0] == "Approbation du procès-verbal de l'AG du 1 juin 2026"
        assert second.agenda[1:] == ["Budget"]
        minutes = minutes_to_attach(session, second)
        assert minutes is not None and minutes.filename == "PV AG juin.pdf"
        assert minutes.data == b"%PDF-1.4 pv"
        # an agenda that already starts with the approval is kept as written
        third = create_assembly(session, ctx.settings, title="AG 3", video_url="https://meet.example.org/ag",
                                starts_at=datetime(2026, 12, 1, 12, tzinfo=UTC),
                                agenda=["Approbation du PV de septembre", "Divers"])  # fmt: skip
        assert third.agenda == ["Approbation du PV de septembre", "Divers"]
        assert minutes_to_attach(session, third) is None  # AG 2 has no PV yet


def test_ics_in_brussels_time_with_stable_uid(ctx: Context) -> None:
    with ctx.db.session() as session:
        assembly = create_assembly(
            session, ctx.settings, title="AG de décembre", place=PLACE, theme="Logement",
            starts_at=datetime(2026, 12, 10, 13, 0, tzinfo=UTC), agenda=["Accueil", "Budget"],
        )  # fmt: skip
        first = Calendar.from_ical(assembly_ics(assembly, ctx.settings))
        update_assembly(session, assembly, starts_at=datetime(2026, 12, 17, 13, 0, tzinfo=UTC))
        second = Calendar.from_ical(assembly_ics(assembly, ctx.settings))
    events = [next(iter(cal.walk("VEVENT"))) for cal in (first, second)]
    assert str(events[0]["UID"]) == str(events[1]["UID"]) == assembly.uid
    assert [event["SEQUENCE"] for event in events] == [0, 1]
    start = events[1].decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Brussels"
    assert (start.year, start.month, start.day, start.hour) == (2026, 12, 17, 14)
    assert "Europe/Brussels" in [str(tz["TZID"]) for tz in second.walk("VTIMEZONE")]
    assert str(events[1]["LOCATION"]) == PLACE
    assert "1. Accueil" in str(events[1]["DESCRIPTION"])


def test_the_calendar_file_has_the_zone_icalendar_would_add(ctx: Context) -> None:
    """The VTIMEZONE, built once per zone, is the one ``add_missing_timezones`` gives, in
    its place before the event, and every calendar file has it."""
    with ctx.db.session() as session:
        assembly = create_assembly(
            session, ctx.settings, title="AG d'été", place=PLACE,
            starts_at=datetime(2026, 7, 2, 16, 0, tzinfo=UTC),
        )  # fmt: skip
        files = [assembly_ics(assembly, ctx.settings, lang) for lang in ("fr", "nl", "fr")]
    assert files[0] == files[2] and files[0].count(b"BEGIN:VTIMEZONE") == 1
    for data in files:
        ours = Calendar.from_ical(data)
        reference = Calendar.from_ical(data)
        reference.subcomponents = [c for c in reference.subcomponents if c.name != "VTIMEZONE"]
        reference.add_missing_timezones()
        assert [c.name for c in ours.subcomponents] == ["VTIMEZONE", "VEVENT"]
        assert ours.to_ical() == reference.to_ical()


def test_assembly_input_is_checked(ctx: Context) -> None:
    with ctx.db.session() as session:
        with pytest.raises(ValidationError):
            create_assembly(
                session, ctx.settings, title="AG", starts_at=datetime(2026, 1, 1, tzinfo=UTC)
            )
        with pytest.raises(ValidationError):
            create_assembly(session, ctx.settings, title="AG", place=PLACE,
                            starts_at=datetime(2026, 1, 1))  # fmt: skip
        with pytest.raises(ValidationError):
            create_assembly(session, ctx.settings, title="AG", video_url="javascript:x",
                            starts_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


def test_agenda_and_speaker_parsing() -> None:
    assert parse_agenda("1. Approbation du PV\n\n- Budget\n* Divers\n") == [
        "Approbation du PV", "Budget", "Divers"
    ]  # fmt: skip
    assert approves_previous_minutes(["Goedkeuring van de notulen"])
    assert not approves_previous_minutes(["Accueil"])
    assert parse_speaker("Une personne, ASBL Exemple") == {
        "name": "Une personne", "organisation": "ASBL Exemple"
    }  # fmt: skip
    with pytest.raises(ValidationError):
        parse_speaker(", ASBL")
