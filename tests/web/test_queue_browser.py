"""The coordinator's everyday loop in Chromium: the composer with JavaScript off keeps what
was typed whatever button is used; the news queue and the issues list searched and
filtered (also without JavaScript); a sent issue duplicated and the copy sent (the
recording SMTP server receives it); the partner loop (submit, reload the confirmation,
changes requested, the e-mail's link followed, corrected, back in the queue as the same
item). axe-core on every page changed; screenshots in artifacts/screenshots/.
The tests of this module run in order over one server."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page

from newsletter.service import Service
from tests.content.sample import PDF
from tests.support import served
from tests.support.served import ServedApp, log_in, new_context
from tests.web.browser import SCREENSHOTS, Auditor

pytestmark = pytest.mark.timeout(300)
PARTNER = "accueil@maison.example.org"
DIRECTORY = (
    "organisation;nom;email;statut;langue\n"
    f"Maison de quartier Exemple;Accueil;{PARTNER};effectif;fr\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl\n"
    "Épicerie solidaire du Canal;Coordination;contact@epicerie.example.org;adherent;fr\n"
)


#: the served app of the module (``tests/support/served.py``), with its SMTP server
Env = ServedApp


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with ServedApp(tmp_path_factory.mktemp("queue"), smtp=True) as app:
        app.service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
        app.add_coordinator()
        app.start()
        yield app


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with served.chromium() as browser:
        yield browser


def _context(chromium: Browser, env: Env, javascript: bool = True) -> BrowserContext:
    return new_context(chromium, locale="fr-BE", base_url=env.base, java_script_enabled=javascript,
                                viewport={"width": 1280, "height": 900})  # fmt: skip


@pytest.fixture(scope="module")
def coordinator(chromium: Browser, env: Env) -> Iterator[Page]:
    context = _context(chromium, env)
    page = log_in(context.new_page())
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


@pytest.fixture(scope="module")
def nojs(chromium: Browser, env: Env) -> Iterator[Page]:
    """The coordinator with JavaScript turned off."""
    context = _context(chromium, env, javascript=False)
    yield log_in(context.new_page())
    context.close()


@pytest.fixture(scope="module")
def auditor() -> Auditor:
    return Auditor()


def _approved(service: Service, title: str) -> int:
    item = service.editorial.submit_news(title=title, body="Texte.")
    service.moderation.moderate(item.id, "approve", by="test")
    return item.id


def _audit_with_scripts(coordinator: Page, auditor: Auditor, url: str, name: str) -> None:
    """axe-core needs scripts (its checks wait on timers): the page is checked as the
    coordinator with JavaScript sees it, at the same address."""
    coordinator.goto(url)
    auditor.check(coordinator, name)


def test_composer_without_javascript_keeps_typed_input(
    nojs: Page, coordinator: Page, env: Env, auditor: Auditor
) -> None:
    page, service = nojs, env.service
    first, second = _approved(service, "Repair café"), _approved(service, "Permanence logement")
    issue_id = service.editorial.draft_issue(title="Lettre d'hiver").id
    page.goto(f"/console/issues/{issue_id}")
    assert page.evaluate("1 + 1") == 2  # the test's own scripts run; the page's do not
    page.fill("#title", "Lettre d'hiver, sans script")
    page.fill("#introduction", "Bonjour à toutes et à tous.")
    page.check("#list-membres")
    with page.expect_navigation():  # a plain form submission: no script saved anything
        page.click(f"button[value='down:{first}']")
    assert page.input_value("#title") == "Lettre d'hiver, sans script"
    assert page.input_value("#introduction") == "Bonjour à toutes et à tous."
    assert page.is_checked("#list-membres")
    detail = service.console.issue_detail(issue_id)
    assert [e.news_id for e in detail.entries] == [second, first]
    assert detail.row.lists == ["membres"]

    page.fill("#introduction", "Bonjour, voici l'hiver.")
    annex: FilePayload = {"name": "programme.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#annex-file", files=[annex])
    page.fill("#annex-label-fr", "Programme")
    with page.expect_navigation():
        page.click('button:has-text("Ajouter l\'annexe")')
    page.wait_for_selector("#annexes li:has-text('Programme')")
    assert page.input_value("#introduction") == "Bonjour, voici l'hiver."
    page.fill("#introduction", "Bonjour, voici l'hiver et son programme.")
    with page.expect_navigation():
        page.click("button[aria-label='Retirer : Repair café']")
    assert service.console.issue_detail(issue_id).introduction == (
        "Bonjour, voici l'hiver et son programme."
    )
    assert [e.news_id for e in service.console.issue_detail(issue_id).entries] == [second]
    page.screenshot(path=str(SCREENSHOTS / "composer-nojs.png"), full_page=True)
    _audit_with_scripts(coordinator, auditor, page.url, "composer-nojs")


def test_search_and_filters(nojs: Page, coordinator: Page, env: Env, auditor: Auditor) -> None:
    service = env.service
    maison = next(o.id for o in service.audience.organisations() if o.name.startswith("Maison"))
    for n in range(120):
        service.editorial.submit_news(title=f"Atelier {n:03d}", body="Texte.",
                                      organisation_id=maison if n % 3 == 0 else None)  # fmt: skip
    service.editorial.submit_news(title="Élan solidaire de l'été", body="Fête de quartier.",
                                  category="agenda")  # fmt: skip
    service.editorial.draft_issue(title="Élan de printemps")
    # without JavaScript: the GET form puts the filters in the address
    page = nojs
    page.goto("/console/news")
    page.fill("#q", "elan ete")
    page.select_option("#category", "agenda")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    assert "q=elan+ete" in page.url and "category=agenda" in page.url
    rows = page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Élan solidaire de l'été" in rows[0]
    assert page.input_value("#q") == "elan ete"
    page.screenshot(path=str(SCREENSHOTS / "news-queue-search.png"), full_page=True)
    _audit_with_scripts(coordinator, auditor, page.url, "news-queue-search")

    page = coordinator
    page.goto(f"/console/news?status=pending&organisation={maison}")
    assert "40 actualités trouvées" in page.inner_text("main")
    page.goto("/console/news?status=pending")
    assert "page 1 sur 3" in page.inner_text("#found-count")
    page.click("a[rel=next]")
    assert "page=2" in page.url and "page 2 sur 3" in page.inner_text("#found-count")
    page.click("ul.tabs a:has-text('toutes')")  # another status: back to its first page
    assert "status=all" in page.url and "page=1" in page.url
    auditor.check(page, "news-queue-pages")
    page.screenshot(path=str(SCREENSHOTS / "news-queue-pages.png"), full_page=True)

    page.goto("/console/issues")
    page.fill("#q", "ELAN")
    page.select_option("#status", "draft")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"q=ELAN"))
    assert page.locator("table tbody tr").count() == 1
    assert "Élan de printemps" in page.inner_text("table")
    auditor.check(page, "issues-search")
    page.screenshot(path=str(SCREENSHOTS / "issues-search.png"), full_page=True)


def _wait_sent(page: Page, issue_id: int) -> None:
    page.goto(f"/console/issues/{issue_id}/sending")
    deadline = time.monotonic() + 60
    while page.locator(".lead .badge-sent").count() == 0:
        assert time.monotonic() < deadline, page.inner_text("main")
        time.sleep(0.5)
        page.reload()


def test_duplicate_a_sent_issue_and_send_the_copy(
    coordinator: Page, env: Env, auditor: Auditor
) -> None:
    page, service = coordinator, env.service
    _approved(service, "Bourse aux vêtements")
    issue = service.editorial.draft_issue(title="Lettre de janvier")
    service.editorial.edit_issue(issue.id, introduction="Bonne année !", lists=["membres"])
    service.delivery.start_send(issue.id, ["membres"])
    _wait_sent(page, issue.id)
    received = len(env.mails_to("contact@epicerie.example.org", 1))

    page.click("button:has-text('Dupliquer dans un nouveau brouillon')")
    page.wait_for_selector("text=Copie créée")
    copy_id = int(page.url.split("#")[0].rsplit("/", 1)[1])
    assert copy_id != issue.id
    assert page.input_value("#introduction") == "Bonne année !"
    assert page.is_checked("#list-membres")
    page.fill("#title", "Lettre de janvier (bis)")  # typed, then sent at once
    page.click("button:has-text('Envoyer maintenant')")  # the confirmation is accepted
    page.wait_for_url(re.compile(r"/sending$"))
    _wait_sent(page, copy_id)
    auditor.check(page, "copy-sent")
    mails = env.mails_to("contact@epicerie.example.org", received + 1)
    assert "Lettre de janvier (bis)" in str(mails[-1].message["Subject"])
    for address in (PARTNER, "onthaal@buurthuis.example.org"):
        subjects = [str(m.message["Subject"]) for m in env.mails_to(address, 2)]
        assert sum("Lettre de janvier (bis)" in s for s in subjects) == 1
    assert service.delivery.status(copy_id).sent == 3


def test_partner_loop(chromium: Browser, coordinator: Page, env: Env, auditor: Auditor) -> None:
    service = env.service
    maison = next(o.id for o in service.audience.organisations() if o.name.startswith("Maison"))
    context = _context(chromium, env)
    partner = context.new_page()
    partner.goto(service.partners.url(maison))
    partner.fill("#sender", PARTNER)
    partner.fill("#title", "Portes ouvertes")
    partner.fill("#body", "Samedi **10 h**.")
    before = len(service.editorial.list_news())
    partner.click("button:has-text('Envoyer mon actualité')")
    partner.wait_for_selector("h1:has-text('Merci, votre actualité est bien reçue')")
    assert "/news-item/" in partner.url
    partner.reload()  # the confirmation reloaded: nothing sent again
    partner.wait_for_selector("h1:has-text('Merci')")
    assert len(service.editorial.list_news()) == before + 1
    auditor.check(partner, "partner-confirmation")
    partner.screenshot(path=str(SCREENSHOTS / "partner-confirmation.png"), full_page=True)
    news_id = max(item.id for item in service.editorial.list_news())
    mails = len(env.recorded(PARTNER))

    page = coordinator
    page.goto("/console/news?q=portes+ouvertes")
    page.click("a:has-text('Portes ouvertes')")
    page.fill("#reason", "Ajoutez l'adresse, s'il vous plaît.")
    page.click("button:has-text('Demander des modifications')")
    page.wait_for_selector("text=Modifications demandées")
    mail = env.mails_to(PARTNER, mails + 1)[-1]
    link = re.search(r"http://127\.0\.0\.1:\d+/news-item/\S+", mail.body())
    assert link, mail.body()

    partner.goto(link.group(0))
    assert "Ajoutez l'adresse, s'il vous plaît." in partner.inner_text("main")
    auditor.check(partner, "partner-changes-requested")
    partner.screenshot(path=str(SCREENSHOTS / "partner-changes.png"), full_page=True)
    partner.fill("#title", "Portes ouvertes, rue de l'Exemple 1")
    partner.fill("#body", "Samedi **10 h**, rue de l'Exemple 1.")
    partner.click("button:has-text('Envoyer la version corrigée')")
    partner.wait_for_selector("#item-state:has-text('En attente')")
    auditor.check(partner, "partner-corrected")
    context.close()

    items = [i for i in service.editorial.list_news() if i.title.startswith("Portes ouvertes")]
    assert [(i.id, i.status) for i in items] == [(news_id, "pending")]  # the same item
    history = [(e.from_, e.to) for e in service.editorial.news_history(news_id)]
    assert history[-2:] == [("pending", "changes_requested"), ("changes_requested", "pending")]
    page.goto("/console/news?status=pending&q=exemple+1")
    page.click('a:has-text("Portes ouvertes, rue de l\'Exemple 1")')
    assert "Ajoutez l'adresse" in page.inner_text("main")  # its history, with the request
    auditor.check(page, "news-item-corrected")
