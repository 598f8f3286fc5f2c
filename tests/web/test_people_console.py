"""People and organisations in the console: paged search, add, new address, reactivation
with a reason, actions on a selection, the person's data, erasure, an organisation."""

from __future__ import annotations

import csv
import io
import re

from newsletter.service import Service
from tests.web.conftest import EMAIL, PASSWORD, Browser
from tests.web.smtp import SmtpServer

DIRECTORY = (
    "organisation;nom;email;statut;groupes\n"
    "ASBL A;Ann;ann@example.org;effectif;logement\n"
    "ASBL A;Bob;bob@example.org;effectif;\n"
    "Buurthuis B;Cas;cas@example.org;adherent;\n"
    ";Dora;=dora@example.org;;\n"
)


def _ids(html: str) -> list[str]:
    return re.findall(r'name="ids" value="(\d+)"', html)


def test_search_filter_and_pages(service: Service, console: Browser) -> None:
    rows = ["organisation;nom;email;statut"] + [
        f"Org {i % 2};Personne {i};p{i:03}@example.org;effectif" for i in range(130)
    ]
    service.audience.import_members("\n".join(rows).encode(), "big.csv")
    service.audience.unsubscribe("p007@example.org")
    page = console.get("/console/members")
    assert page.status_code == 200
    assert len(_ids(page.text)) == 50 and "page 1 sur 3" in page.text
    last = console.get("/console/members?page=3")
    assert len(_ids(last.text)) == 30
    assert "p129@example.org" in last.text and "p000@example.org" not in last.text
    found = console.get("/console/members?q=org+1&status=active")
    assert "64 abonnés" in found.text  # 65 in Org 1, one of whom unsubscribed
    out = console.get("/console/members?status=unsubscribed")
    assert _ids(out.text) and "p007@example.org" in out.text and "p008@" not in out.text
    assert console.get("/console/members?list=no-such-list").status_code == 404
    assert "Personne ne correspond" in console.get("/console/members?q=%25_%25").text


def test_add_change_address_reactivate_and_erase(service: Service, console: Browser) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    console.get("/console/members/new")
    added = console.post("/console/members/new", {
        "email": "eve@example.org", "name": "Eve", "organisation": "ASBL A", "language": "nl",
    })  # fmt: skip
    assert added.status_code == 303, added.text
    url = added.headers["location"]
    duplicate = console.post("/console/members/new", {"email": "ANN@example.org"})
    assert duplicate.status_code == 400 and "déjà dans le répertoire" in duplicate.text
    assert 'value="ANN@example.org"' in duplicate.text  # what was typed is kept

    page = console.get(url)
    assert "Preuve du consentement" in page.text and "coordination@example.org" in page.text
    moved = console.post(f"{url}/email", {"email": "eve@new.example.org"})
    assert moved.status_code == 303
    page = console.get(url)
    assert "Anciennes adresses" in page.text and "eve@example.org" in page.text
    taken = console.post(f"{url}/email", {"email": "bob@example.org"})
    assert taken.status_code == 400  # the page again, the address typed kept at its field
    assert "quelqu&#39;un d&#39;autre" in taken.text
    assert 'value="bob@example.org" aria-invalid="true" aria-describedby="new-email-error"' in (
        taken.text
    )

    console.post(f"{url}/status", {"status": "unsubscribed"})
    console.get(url)
    refused = console.post(f"{url}/status", {"status": "active", "reason": "  "})
    assert refused.status_code == 303
    assert "indiquez la raison" in console.get(url).text
    assert service.audience.find_subscriber("eve@new.example.org").status == "unsubscribed"  # type: ignore[union-attr]
    console.post(f"{url}/status", {"status": "active", "reason": "asked at the AG of 5 May"})
    page = console.get(url)
    assert "asked at the AG of 5 May" in page.text
    assert service.audience.find_subscriber("eve@new.example.org").status == "active"  # type: ignore[union-attr]

    data = console.get(f"{url}/data.json")
    assert data.headers["content-type"].startswith("application/json")
    assert data.json()["past_addresses"][0]["email"] == "eve@example.org"
    readable = console.get(f"{url}/data")
    assert "Tout ce qui est conservé sur eve@new.example.org" in readable.text
    assert "asked at the AG of 5 May" in readable.text

    wrong = console.post(f"{url}/erase", {"confirmation": "ann@example.org"})
    assert wrong.status_code == 303 and wrong.headers["location"] == url
    assert service.audience.find_subscriber("eve@new.example.org") is not None
    console.get(url)
    erased = console.post(f"{url}/erase", {"confirmation": "eve@new.example.org"})
    assert erased.headers["location"] == "/console/members"
    assert service.audience.find_subscriber("eve@new.example.org") is None
    assert console.get(url).status_code == 404


def test_selection_actions(
    mailing_service: Service, mailing_client: Browser, smtp: SmtpServer
) -> None:
    service, console = mailing_service, mailing_client
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    console.get("/console/login")
    assert console.post("/console/login", {"email": EMAIL, "password": PASSWORD}).status_code == 303
    ids = _ids(console.get("/console/members").text)
    assert len(ids) == 4
    done = console.post("/console/members/bulk", {"ids": ids[:2], "action": "add_role",
                                                  "value": "comite"})  # fmt: skip
    assert done.status_code == 303
    assert "2 des 2 personnes" in console.get("/console/members").text
    assert {p.email for p in service.people.search().items if "comite" in p.roles} == {
        "=dora@example.org",
        "ann@example.org",
    }
    exported = console.post("/console/members/bulk", {"ids": ids, "action": "export"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert "'=dora@example.org" in [row[0] for row in rows]
    sent = console.post("/console/members/bulk", {"ids": ids, "action": "partner_links"})
    assert sent.status_code == 303
    assert "Liens envoyés à 3 personne(s)" in console.get("/console/members").text
    received = {to for m in smtp.recorder.wait_for(3) for to in m.recipients}
    assert received == {"ann@example.org", "bob@example.org", "cas@example.org"}
    console.get("/console/members")
    unconfirmed = console.post("/console/members/bulk", {"ids": ids[:1], "action": "erase"})
    assert unconfirmed.status_code == 303
    assert service.people.search().total == 4
    console.get("/console/members")
    console.post("/console/members/bulk", {"ids": ids[:1], "action": "erase", "confirm": "yes"})
    assert service.people.search().total == 3


def test_organisation_page_changes_the_counts(service: Service, console: Browser) -> None:
    service.audience.import_members(DIRECTORY.encode(), "a.csv")
    org = service.audience.find_organisation("Buurthuis B")
    assert org is not None
    url = f"/console/members/organisations/{org.id}"
    assert f'href="{url}"' in console.get("/console/members/organisations").text
    page = console.get(url)
    assert "cas@example.org" in page.text
    before = {i.id: i.count for i in service.audience.lists()[0]}
    saved = console.post(url, {"name": "Buurthuis B", "membership": "effectif",
                               "sector": "Jeugd", "website": "https://b.example.org"})  # fmt: skip
    assert saved.status_code == 303
    after = {i.id: i.count for i in service.audience.lists()[0]}
    assert after["effectifs"] == before["effectifs"] + 1
    assert after["adherents"] == before["adherents"] - 1
    console.get(url)
    console.post(f"{url}/people", {"email": "bob@example.org"})
    assert "bob@example.org" in console.get(url).text
    bob = service.audience.find_subscriber("bob@example.org")
    assert bob is not None and bob.organisation == "Buurthuis B"
    console.post(f"{url}/people/{bob.id}/remove")
    assert service.audience.find_subscriber("bob@example.org").organisation == ""  # type: ignore[union-attr]
    console.get(url)
    bad = console.post(url, {"name": "", "membership": "effectif", "sector": "Santé",
                             "website": "https://b.example.org"})  # fmt: skip
    assert bad.status_code == 400  # the page again as typed, the error at the name
    assert "doit avoir un nom" in bad.text
    assert 'value="" aria-invalid="true" aria-describedby="name-error"' in bad.text
    assert 'value="Santé"' in bad.text and 'value="https://b.example.org"' in bad.text
    assert 'id="membership-effectif" name="membership" value="effectif" checked' in bad.text
    assert service.people.organisation(org.id).organisation.name == "Buurthuis B"


def test_person_data_shows_delivery_notes_and_links_followed(
    service: Service, console: Browser
) -> None:
    """The readable page in the coordinator's language; the download in the person's."""
    from newsletter.context import Context
    from newsletter.delivery import notes
    from newsletter.links import click_person, click_url
    from newsletter.models import DeliveryStatus
    from tests.content.sample import build_sent_sample

    service.audience.import_members(b"organisation;nom;email;langue\nB;Noor;noor@example.org;nl\n",
                                    "n.csv")  # fmt: skip
    noor = service.audience.find_subscriber("noor@example.org")
    assert noor is not None
    settings = service.ctx.settings
    skipped = {"status": DeliveryStatus.skipped, "reply_note": notes.UNSUBSCRIBED}
    with service.ctx.db.session() as session:
        issue_id = build_sent_sample(session, settings, [(noor, skipped)])
    tracking = settings.model_copy(
        update={"click_counting": True, "click_tracking_individual": True}
    )
    token = click_url(tracking, issue_id, "https://quartier.example.org/<buurt>")
    Service(Context(settings=tracking, db=service.ctx.db)).clicks.follow(
        token.rsplit("/r/", 1)[1] + click_person(tracking, issue_id, noor.id)
    )
    url = f"/console/members/{noor.id}"
    readable = console.get(f"{url}/data").text
    assert "Remarque sur l&#39;envoi" in readable and "Liens suivis" in readable
    assert "désabonné avant l&#39;envoi" in readable
    assert "https://quartier.example.org/&lt;buurt&gt;" in readable
    document = console.get(f"{url}/data.json").json()
    assert [d["note"] for d in document["deliveries"]] == ["uitgeschreven vóór de verzending"]
    assert [c["url"] for c in document["clicks"]] == ["https://quartier.example.org/<buurt>"]
