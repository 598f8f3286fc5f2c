"""The RSVP page of an AG: what each reader is told, and what they may answer."""

from __future__ import annotations

from newsletter.service import Service
from tests.assembly.conftest import rsvp_path
from tests.web.conftest import Browser


def test_rsvp_page_tells_each_reader_their_voting_right(
    service: Service, browser: Browser, people: dict[str, int], assembly_id: int
) -> None:
    pages = {
        email: browser.get(rsvp_path(service, assembly_id, people[email])).text
        for email in (
            "accueil@maison.example.org",
            "atelier@atelier.example.org",
            "lectrice@example.net",
        )
    }
    assert "membre effectif du réseau" in pages["accueil@maison.example.org"]
    assert "sans droit de vote" in pages["atelier@atelier.example.org"]
    assert "membre effectif du réseau" not in pages["atelier@atelier.example.org"]
    # the reader without an organisation reads Dutch: her page is in Dutch
    assert "staat open voor iedereen" in pages["lectrice@example.net"]
