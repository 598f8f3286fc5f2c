"""The whole cycle in a real browser (Chromium), with axe-core on every page.

A partner submits news with an image through their personal link; the coordinator
logs in, approves it, composes an issue, previews it and sends it to a list; the
recording SMTP server receives it; a recipient unsubscribes in one click; an AG
invitation is answered through RSVP. The app runs as ``newsletter serve`` does (web,
delivery worker, scheduler in one process) on a free port; screenshots go to
artifacts/screenshots/ with the list of pages checked (pages-checked-test_browser.txt).
The tests of this module are one scenario: they run in order and build on each other
(one browser, one server).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, FilePayload, Page, Playwright, sync_playwright

from newsletter.i18n import LANGUAGES
from tests.support.checks import search, subscriber, text_body
from tests.support.served import EMAIL, PASSWORD, ServedApp, new_context
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Auditor

pytestmark = pytest.mark.timeout(300)

DIRECTORY = (
    "organisation;nom;email;statut;langue;groupes;roles\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;logement;comite\n"
    "Maison de quartier Exemple;Service social;social@maison.example.org;effectif;fr;;\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl;logement;\n"
    "Épicerie solidaire du Canal;Coordination;contact@epicerie.example.org;adherent;fr;;\n"
)  # fmt: skip

#: the served app of the module (``tests/support/served.py``), with its SMTP server
Env = ServedApp


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with ServedApp(tmp_path_factory.mktemp("browser"), smtp=True) as app:
        app.service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
        app.add_coordinator()
        app.start()
        yield app


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)  # fmt: skip
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def auditor(request: pytest.FixtureRequest) -> Iterator[Auditor]:
    audit = Auditor()
    yield audit
    # one list per module (test_people_browser uses this fixture too, maybe on another worker)
    module = request.module.__name__.rsplit(".", 1)[-1]
    (SCREENSHOTS / f"pages-checked-{module}.txt").write_text("\n".join(audit.checked) + "\n")


@pytest.fixture(scope="module")
def coordinator(browser: Browser, env: Env) -> Iterator[Page]:
    context = new_context(browser, locale="fr-BE", viewport={"width": 1280, "height": 900},
                                  base_url=env.base)  # fmt: skip
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def visitor(browser: Browser, env: Env, locale: str = "fr-BE") -> Page:
    context = new_context(browser, locale=locale, viewport={"width": 1024, "height": 800},
                                  base_url=env.base)  # fmt: skip
    return context.new_page()


def png() -> bytes:
    """A small drawing of a bicycle, standing for a partner's photo."""
    image = Image.new("RGB", (640, 300), (236, 244, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 230, 640, 300), fill=(120, 170, 90))
    for x in (200, 440):
        draw.ellipse((x - 70, 110, x + 70, 250), outline=(30, 40, 60), width=10)
    draw.line((200, 180, 300, 110, 440, 180, 320, 180, 200, 180), fill=(200, 60, 40), width=10)
    draw.line((300, 110, 290, 85, 330, 85), fill=(30, 40, 60), width=8)
    draw.ellipse((520, 20, 600, 100), fill=(250, 200, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_partner_submits_news_with_an_image(browser: Browser, env: Env, auditor: Auditor) -> None:
    org = next(o for o in env.service.partners.organisations() if o.name.startswith("Maison"))
    page = visitor(browser, env)
    page.goto(env.service.partners.url(org.id))
    assert "Maison de quartier Exemple" in page.content()
    auditor.check(page, "partner-form")
    page.fill("#sender", "accueil@maison.example.org")
    page.fill("#title", "Repair café du samedi")
    page.select_option("#category", "agenda")
    page.fill(
        "#body", "Venez **réparer** vos objets avec nos bénévoles.\n\n- vélos\n- petits appareils"
    )
    page.fill("#event_start", "2030-03-16T10:00")
    page.fill("#event_place", "Maison de quartier Exemple, rue de l'Exemple 1")
    image: FilePayload = {"name": "atelier.png", "mimeType": "image/png", "buffer": png()}
    page.set_input_files("#image", files=[image])
    page.fill("#image_alt", "Des bénévoles réparent un vélo")
    page.click("#preview-button")
    page.wait_for_selector("#preview-heading")
    assert "réparer" in page.inner_text("#preview")
    auditor.check(page, "partner-form-preview", screenshot=False)
    page.click("button[value=send]")
    page.wait_for_selector("text=Merci, votre actualité est bien reçue")
    auditor.check(page, "partner-submitted")
    receipt = env.mails_to("accueil@maison.example.org")[0].message
    assert "reçue" in str(receipt["Subject"])
    page.goto("/submit")
    auditor.check(page, "public-submit-form")
    page.context.close()


def test_coordinator_approves_composes_previews_and_sends(
    coordinator: Page, env: Env, auditor: Auditor
) -> None:
    page = coordinator
    page.goto("/console/")
    assert "/console/login" in page.url
    auditor.check(page, "login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Tableau de bord')")
    auditor.check(page, "dashboard")

    page.click("nav.mainnav >> text=Actualités à traiter")
    auditor.check(page, "news-queue")
    page.click("text=Repair café du samedi")
    assert page.locator("img.news-image").count() == 1
    auditor.check(page, "news-item")
    page.click("button:has-text('Approuver')")
    page.wait_for_selector("text=Actualité approuvée")
    page.goto("/console/news?status=pending")
    auditor.check(page, "news-queue-empty", screenshot=False)

    page.click("nav.mainnav >> text=Numéros")
    auditor.check(page, "issues")
    page.fill("#title", "Lettre de printemps")
    page.click("button:has-text('Créer le numéro')")
    page.wait_for_selector("text=Brouillon créé")
    page.check("#list-membres")
    page.fill("#introduction", "Bonjour à toutes et à tous, voici les nouvelles du réseau.")
    page.click("form[action$='/texts'] button[type=submit]")
    page.wait_for_selector("text=Numéro enregistré")
    assert "4 destinataires" in page.inner_text("#recipient-count")
    frame = page.frame_locator("iframe.preview-frame")
    assert "Repair café du samedi" in frame.locator("body").inner_text()
    auditor.check(page, "console-composer")
    issue_id = int(search(r"/console/issues/(\d+)", page.url, 1))

    # the rendered issue itself: the exact HTML a recipient gets, fr and nl, desktop and phone
    # axe is injected as a script: let it past the preview's Content-Security-Policy
    chromium = page.context.browser
    assert chromium is not None
    reader = new_context(
        chromium, storage_state=page.context.storage_state(), bypass_csp=True, base_url=env.base
    )
    preview = reader.new_page()
    for lang in LANGUAGES:
        preview.goto(f"/console/issues/{issue_id}/preview.html?lang={lang}")
        auditor.check(preview, f"issue-rendered-{lang}")
    preview.set_viewport_size({"width": 360, "height": 740})
    preview.goto(f"/console/issues/{issue_id}/preview.html?lang=fr")
    preview.screenshot(path=str(SCREENSHOTS / "issue-rendered-mobile.png"), full_page=True)
    reader.close()

    page.fill("#test-email", "relecture@example.net")
    page.click("button:has-text('Envoyer le test')")
    page.wait_for_selector("text=Test envoyé à relecture@example.net")
    env.mails_to("relecture@example.net")

    page.click("button:has-text('Envoyer maintenant')")  # confirm dialog accepted
    page.wait_for_url(re.compile(r"/sending$"))
    deadline = time.monotonic() + 60
    while page.locator(".lead .badge-sent").count() == 0:
        assert time.monotonic() < deadline, page.inner_text("main")
        time.sleep(0.5)
        page.reload()
    auditor.check(page, "sending-report")
    for address in ("accueil@maison.example.org", "social@maison.example.org",
                    "onthaal@buurthuis.example.org", "contact@epicerie.example.org"):  # fmt: skip
        (received,) = [m for m in env.mails_to(address) if "printemps" in str(m.message["Subject"])]
        assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page.goto("/console/")
    assert "4 envoyés" in page.inner_text("main")
    auditor.check(page, "dashboard-after-send", screenshot=False)


def test_members_pages(coordinator: Page, env: Env, auditor: Auditor, tmp_path: Path) -> None:
    page = coordinator
    page.goto("/console/members")
    auditor.check(page, "members")
    page.fill("#q", "maison")
    page.click("button:has-text('Rechercher')")
    assert page.locator("tbody tr").count() == 2
    page.click("text=accueil@maison.example.org")
    auditor.check(page, "subscriber")
    page.goto("/console/members/organisations")
    auditor.check(page, "organisations")
    page.goto("/console/members/lists")
    auditor.check(page, "lists")
    csv_file = tmp_path / "annuaire.csv"
    csv_file.write_text(
        "Entité;nom;email;statut;Téléphone\n"
        "Régie de quartier des Deux Parcs;Direction;direction@deux-parcs.example.org;effectif;02\n"
        "Sans adresse;Personne;pas-une-adresse;effectif;\n",
        encoding="utf-8",
    )
    before = {info.id: info.count for info in env.service.audience.lists()[0]}
    page.goto("/console/import")
    page.set_input_files("#file", str(csv_file))
    page.click("button:has-text('Importer')")
    page.wait_for_selector("text=Vérifier les colonnes")
    assert page.locator("#col_0").input_value() == ""  # "Entité" is not recognised
    auditor.check(page, "import-matching")
    page.select_option("#col_0", "organisation")
    page.click("button:has-text('Mettre à jour l')")
    page.wait_for_selector("text=Régie de quartier des Deux Parcs")
    assert page.locator("#col_0").input_value() == "organisation"
    page.click("button:has-text('Confirmer l')")
    page.wait_for_selector("text=Rapport d'import")
    assert "pas-une-adresse" in page.inner_text("main")
    assert "Téléphone" in page.inner_text("main")
    auditor.check(page, "import-report")
    after = {info.id: info.count for info in env.service.audience.lists()[0]}
    assert after["effectifs"] == before["effectifs"] + 1
    page.goto("/console/members/lists")
    row = page.locator("a[href='/console/members?list=effectifs']").locator("xpath=ancestor::tr")
    assert row.locator("td").last.inner_text().strip() == str(after["effectifs"])
    page.goto("/console/partners")
    page.locator("a:has-text('Afficher le lien')").first.click()
    assert "/submit/" in page.locator("input[readonly]").input_value()
    auditor.check(page, "partner-links")
    page.goto("/console/mailbox")
    auditor.check(page, "mailbox", screenshot=False)
    page.goto("/console/news/new")
    auditor.check(page, "news-new", screenshot=False)


def test_recipient_unsubscribes_in_one_click(
    browser: Browser, playwright: Playwright, env: Env, auditor: Auditor
) -> None:
    message = next(m for m in env.mails_to("social@maison.example.org")
                   if "printemps" in str(m.message["Subject"])).message  # fmt: skip
    url = search(r"<(http[^>]+/u/[^>]+)>", str(message["List-Unsubscribe"]), 1)
    page = visitor(browser, env)
    page.goto(url)
    auditor.check(page, "unsubscribe")
    # what a mail client does (RFC 8058): a POST without cookies nor token
    client = playwright.request.new_context()
    response = client.post(
        url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.ok
    client.dispose()
    assert subscriber(env.service, "social@maison.example.org").status == "unsubscribed"
    page.reload()
    assert "Déjà désabonné" in page.inner_text("main")
    auditor.check(page, "unsubscribe-done", screenshot=False)
    # the public archive and web version of the sent issue
    page.goto("/archive")
    auditor.check(page, "archive")
    page.click("text=Lettre de printemps")
    auditor.check(page, "web-version")
    issue_id = search(r"/archive/(\d+)", page.url, 1)
    page.context.close()
    page = new_context(browser, bypass_csp=True, base_url=env.base).new_page()
    page.goto(f"/archive/{issue_id}/issue.html?lang=nl")
    auditor.check(page, "web-version-issue-nl", screenshot=False)
    page.context.close()


def test_subscribe_with_double_opt_in(browser: Browser, env: Env, auditor: Auditor) -> None:
    page = visitor(browser, env, locale="nl-BE")
    page.goto("/subscribe")
    assert page.locator("html").get_attribute("lang") == "nl"
    auditor.check(page, "subscribe-nl")
    page.fill("#email", "nieuw@example.net")
    page.check("#consent")
    page.click("button.primary")
    page.wait_for_selector("text=Kijk in uw mailbox")
    auditor.check(page, "subscribe-sent", screenshot=False)
    body = env.mails_to("nieuw@example.net")[0].message.get_content()
    page.goto(search(r"http\S+/confirm/\S+", body))
    auditor.check(page, "confirmed")
    assert subscriber(env.service, "nieuw@example.net").status == "active"
    page.click("text=Kies uw lijsten en taal")
    auditor.check(page, "preferences")
    page.context.close()


def test_assembly_invitation_answered_through_rsvp(
    browser: Browser, coordinator: Page, env: Env, auditor: Auditor
) -> None:
    page = coordinator
    page.goto("/console/assemblies")
    auditor.check(page, "assemblies-empty", screenshot=False)
    page.click("text=Planifier une nouvelle assemblée")
    auditor.check(page, "assembly-form")
    start = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT18:00")
    page.fill("#title", "AG de printemps")
    page.fill("#starts_at", start)
    page.fill("#place", "Salle Exemple, rue de l'Exemple 10, 1000 Bruxelles")
    page.fill("#agenda", "Approbation du PV de l'AG précédente\nRapport d'activités\nDivers")
    page.click('button:has-text("Créer l\'assemblée")')
    page.wait_for_selector("text=Assemblée créée")
    page.click('button:has-text("Préparer l\'invitation")')
    page.wait_for_selector("text=Invitation préparée")
    page.check("#list-effectifs")
    page.click("form[action$='/texts'] button[type=submit]")
    page.wait_for_selector("text=Numéro enregistré")
    page.click("button:has-text('Envoyer maintenant')")
    page.wait_for_url(re.compile(r"/sending$"))

    invitation = next(m for m in env.mails_to("accueil@maison.example.org", count=3)
                      if "Invitation" in str(m.message["Subject"])).message  # fmt: skip
    html = text_body(invitation, "html")
    member = visitor(browser, env)
    direct = re.search(r'href="(http[^"]+/rsvp/[^"]+)"', html)
    if direct:  # the invitation's own answer link
        member.goto(direct.group(1))
    else:  # through the preferences page, which lists the AGs to answer
        preferences = search(r'href="(http[^"]+/preferences/[^"]+)"', html, 1)
        member.goto(preferences)
        member.click("text=Répondre à l'invitation")
    assert "/rsvp/" in member.url
    auditor.check(member, "rsvp")
    member.check("#att-yes")
    member.fill("#people", "2")
    member.fill("#comment", "Nous viendrons à deux.")
    member.click("button:has-text('Envoyer ma réponse')")
    member.wait_for_selector("text=votre inscription est enregistrée")
    auditor.check(member, "rsvp-answered", screenshot=False)
    member.context.close()

    page.goto("/console/assemblies")
    page.click("text=AG de printemps")
    summary = page.inner_text("#rsvp-summary")
    assert "2 personnes" in summary and "1 organisation membre" in summary
    auditor.check(page, "assembly-rsvp")
    ics = page.request.get("/feeds/agenda.ics").text()
    assert "AG de printemps" in ics


def test_the_accessibility_check_can_fail(browser: Browser) -> None:
    """axe-core really runs: a page with an unlabelled field and an image without text."""
    page = browser.new_page()
    page.set_content('<html lang="fr"><body><main><img src="x.png"><input></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt") as failure:
        Auditor().check(page, "axe-self-check", screenshot=False)
    assert "label" in str(failure.value)
    page.close()
