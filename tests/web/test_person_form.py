"""The console's "new person" form, a person's page and ``subscribers add`` read the same
fields into one ``PersonForm``, checked by the same rules in the service."""

from __future__ import annotations

import html

import pytest

from newsletter.errors import ValidationError
from newsletter.service import Service
from newsletter.service.person_form import PersonForm
from tests.support.cli import Cli
from tests.web.conftest import Browser
from tests.web.test_people_console import DIRECTORY


def test_the_same_fields_and_rules_through_each_door(
    service: Service, console: Browser, cli: Cli
) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    fields = {"name": "  Eve  ", "organisation": "asbl a", "language": "nl",
              "groups": "Logement; santé mentale", "roles": "mandataire"}  # fmt: skip
    added = console.post("/console/members/new", {"email": "eve@example.org", **fields})
    assert added.status_code == 303, added.text
    by_cli = cli("subscribers", "add", "ann2@example.org", "--name", "  Eve  ", "--org",
                 "asbl a", "--language", "nl", "--groups", "Logement; santé mentale",
                 "--roles", "mandataire", "--json")  # fmt: skip
    assert by_cli.code == 0, by_cli.err
    eve = service.audience.find_subscriber("eve@example.org")
    ann = service.audience.find_subscriber("ann2@example.org")
    assert eve is not None and ann is not None
    shape = {"name": "Eve", "organisation": "ASBL A", "language": "nl",
             "groups": ["logement", "sante-mentale"], "roles": ["mandataire"]}  # fmt: skip
    for person in (eve, ann):
        assert {k: getattr(person, k) for k in shape} == shape

    # an unknown language is refused by every door, and nothing changes
    wrong = console.post("/console/members/new", {"email": "zed@example.org", **fields,
                                                  "language": "de"})  # fmt: skip
    assert wrong.status_code == 400 and "Langue inconnue" in html.unescape(wrong.text)
    assert 'value="zed@example.org"' in wrong.text  # what was typed is kept
    url = added.headers["location"]
    edited = console.post(url, {**fields, "language": "de", "name": "Autre"})
    assert edited.status_code == 400  # the page again as typed, the error at the language
    assert "Langue inconnue" in html.unescape(edited.text)
    assert 'value="Autre"' in edited.text and 'aria-describedby="language-error"' in edited.text
    assert cli("subscribers", "add", "zed@example.org", "--language", "de").code == 1
    with pytest.raises(ValidationError):
        service.people.edit(eve.id, PersonForm(language="de"))
    assert service.audience.find_subscriber("zed@example.org") is None
    unchanged = service.audience.find_subscriber("eve@example.org")
    assert unchanged is not None and (unchanged.name, unchanged.language) == ("Eve", "nl")

    # an organisation that is not in the directory: refused when adding and when editing
    missing = console.post(url, {**fields, "organisation": "Nulle part"})
    assert missing.status_code == 400
    assert '<option value="Nulle part" selected>' in missing.text  # kept as typed
    assert 'aria-describedby="organisation-error"' in missing.text
    saved = console.post(url, {**fields, "name": "Eve B.", "groups": "aide alimentaire"})
    assert saved.status_code == 303
    after = service.audience.find_subscriber("eve@example.org")
    assert after is not None and (after.name, after.groups) == ("Eve B.", ["aide-alimentaire"])
    assert after.organisation == "ASBL A"
