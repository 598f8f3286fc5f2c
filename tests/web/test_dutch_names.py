"""A Dutch-speaking reader's e-mails name the network in Dutch
(``NEWSLETTER_ORGANISATION_NAME_NL``): the From display name, the List-Id phrase, the
newsletter's footer and the notices' texts. Each e-mail goes through a real (recording)
SMTP server, once for a Dutch-speaking member and once for a French-speaking one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.headerregistry import AddressHeader
from email.message import EmailMessage

import pytest

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.service import Service
from newsletter.web import create_app
from tests.support.checks import text_body
from tests.support.delivery import deliver
from tests.web.conftest import Browser, TestClient
from tests.web.smtp import SmtpServer

FRENCH = "Coordination Sociale d'Ixelles"
DUTCH = "Sociale Coördinatie van Elsene"
NAME = {"fr": FRENCH, "nl": DUTCH}
OTHER = {"fr": DUTCH, "nl": FRENCH}
DIRECTORY = (
    "organisation;nom;email;statut;langue;groupes\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr;\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl;\n"
)
MEMBER = {"fr": "accueil@maison.example.org", "nl": "onthaal@buurthuis.example.org"}


@pytest.fixture
def mail(ctx: Context, smtp: SmtpServer) -> Service:
    settings: Settings = ctx.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
        "organisation_name": FRENCH, "organisation_name_nl": DUTCH,
        "from_address": f"{FRENCH} <news@example.org>",
    })  # fmt: skip
    service = Service(Context(settings=settings, db=ctx.db))
    service.audience.import_members(DIRECTORY.encode(), "network.csv")
    return service


@pytest.fixture
def web(mail: Service) -> Iterator[TestClient]:
    app = create_app(mail.ctx, mail)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _only(smtp: SmtpServer, address: str) -> EmailMessage:
    (message,) = smtp.recorder.take(address)
    return message


def _from_name(message: EmailMessage) -> str:
    header = message["From"]
    assert isinstance(header, AddressHeader)
    (address,) = header.addresses
    assert address.addr_spec == "news@example.org"  # one address in every language
    return address.display_name


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_newsletter_comes_from_the_network_named_in_the_readers_language(
    lang: str, mail: Service, smtp: SmtpServer
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    assembly = mail.editorial.create_assembly(
        title="AG de printemps", starts_at=start, place="Salle Exemple",
        texts={"nl": {"title": "AV van de lente"}},
    )  # fmt: skip
    issue_id = mail.assemblies.invitation(assembly.id)
    mail.delivery.start_send(issue_id, ["membres"])
    deliver(mail, issue_id)
    message = _only(smtp, MEMBER[lang])
    assert _from_name(message) == NAME[lang]
    # the list's id is the same in both languages; only its phrase is translated
    assert message["List-Id"] == f"{NAME[lang]} <news.example.org>"
    for part in (text_body(message), text_body(message, "html")):
        assert NAME[lang] in part.replace("&#39;", "'")
        assert OTHER[lang] not in part.replace("&#39;", "'")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_notices_name_the_network_in_the_readers_language(
    lang: str, mail: Service, web: TestClient, smtp: SmtpServer
) -> None:
    page = Browser(web)
    web.headers["accept-language"] = lang
    page.get("/subscribe")
    done = page.post("/subscribe", {"email": f"new-{lang}@example.net", "language": lang,
                                    "consent": "yes"})  # fmt: skip
    assert done.status_code in (200, 303), done.text
    confirmation = _only(smtp, f"new-{lang}@example.net")
    person = next(s for s in mail.audience.list_subscribers() if s.email == MEMBER[lang])
    mail.people.send_partner_links([person.id])
    partner_link = _only(smtp, MEMBER[lang])
    for message in (confirmation, partner_link):
        assert _from_name(message) == NAME[lang]
        text = text_body(message)
        assert NAME[lang] in text and OTHER[lang] not in text, text


def test_the_dutch_from_name_can_be_set_apart() -> None:
    """``NEWSLETTER_FROM_NAME_NL`` names the Dutch sender whatever FROM's name; a FROM
    that does not carry the network's name keeps its own for Dutch readers."""
    own = Settings(organisation_name=FRENCH, organisation_name_nl=DUTCH,
                   from_address="Lettre d'information <news@example.org>")  # fmt: skip
    assert own.from_address_in("nl") == own.from_address
    named = own.model_copy(update={"from_name_nl": "Nieuwsbrief, SCE"})
    assert named.from_address_in("nl") == '"Nieuwsbrief, SCE" <news@example.org>'
    assert named.from_address_in("fr") == "Lettre d'information <news@example.org>"
    unset = Settings(organisation_name=FRENCH, from_address=f"{FRENCH} <news@example.org>")
    assert unset.from_address_in("nl") == unset.from_address
