"""Parsing partner e-mails: charsets, Outlook HTML, forwards, trimming, attachments."""

from __future__ import annotations

import base64
from email import message_from_bytes

from newsletter.intake.mail.automatic import Automatic, automatic, may_acknowledge
from newsletter.intake.mail.charset import decode_bytes
from newsletter.intake.mail.headers import decode_header_value, make_title
from newsletter.intake.mail.html import clean_html
from newsletter.intake.mail.parse import parse_submission
from newsletter.intake.mail.trim import trim_text
from tests.inbound.conftest import corpus

LIMIT = 10 * 1024 * 1024


def test_charsets_declared_or_not() -> None:
    assert decode_bytes("Journée – été".encode("cp1252"), "iso-8859-1") == "Journée – été"
    assert decode_bytes("Journée – été".encode("cp1252"), None) == "Journée – été"
    assert decode_bytes("Journée".encode(), "iso-8859-1") == "Journée"
    assert decode_bytes("été".encode(), "x-unknown-charset") == "été"
    assert decode_bytes(b"caf\xe9", "us-ascii") == "café"
    assert "\udc00" not in decode_bytes(b"\x81\x8d\xff", "utf-8")


def test_subject_decoding_and_title() -> None:
    raw = "=?Windows-1252?Q?Journ=E9e_portes?=\r\n =?Windows-1252?Q?_ouvertes?="
    assert decode_header_value(raw) == "Journée portes ouvertes"
    assert make_title("TR: Fwd:  RE: Appel\n à\tprojets") == "Appel à projets"
    assert make_title("x" * 400).endswith("…") and len(make_title("x" * 400)) == 300


def test_outlook_cp1252_multipart_related() -> None:
    parsed = parse_submission(corpus("01-outlook-cp1252-related.eml"), max_attachment=LIMIT)
    assert parsed.problem is None
    assert parsed.title == "Journée portes ouvertes – 15 décembre"
    assert parsed.body_format == "text"
    assert "L’ASBL Le Soleil vous invite à sa journée portes ouvertes – le mardi" in parsed.body
    assert parsed.image is not None and parsed.image.filename == "image002.png"
    assert [f.filename for f in parsed.attachments] == ["Programme journée.pdf"]
    assert parsed.notes == []  # the small inline logo is ignored silently


def test_outlook_html_only_is_cleaned() -> None:
    parsed = parse_submission(corpus("02-outlook-html-only-undeclared.eml"), max_attachment=LIMIT)
    assert parsed.body_format == "html"
    body = parsed.body
    assert "<b>infosessie over energiepremies</b>" in body
    assert "Iedereen is welkom – gratis toegang" in body  # undeclared Windows-1252
    assert "<ul><li>Welke premies bestaan er?</li><li>Hoe vraag je ze aan?</li></ul>" in body
    for junk in ("<o:p", "Mso", "mso-", "<style", "·", "supportLists", "Met vriendelijke"):
        assert junk not in body
    assert 'href="https://buurthuis-noord.example.net/energie"' in body


def test_gmail_inline_forward_keeps_forwarded_content() -> None:
    parsed = parse_submission(corpus("03-gmail-forward-inline.eml"), max_attachment=LIMIT)
    assert parsed.title == "Appel à projets 2027 : cohésion sociale"
    assert parsed.body.startswith("Madame, Monsieur,")
    assert "15 000 €" in parsed.body
    assert "Forwarded message" not in parsed.body and "From:" not in parsed.body
    assert parsed.forwarded
    notes = [n.render("fr") for n in parsed.notes]
    assert any("Pourriez-vous relayer" in n for n in notes)
    assert not any("Service communication" in n for n in notes)  # signature trimmed


def test_forward_as_rfc822_attachment() -> None:
    parsed = parse_submission(corpus("04-forward-as-attachment.eml"), max_attachment=LIMIT)
    assert parsed.title == "Invitation : assemblée du Réseau santé mentale"
    assert parsed.body.startswith("Chers partenaires,")
    assert "jeudi 17 décembre" in parsed.body  # ISO-8859-1 quoted-printable inside
    assert [f.filename for f in parsed.attachments] == ["Invitation AG Réseau santé.pdf"]
    assert any("voici l'invitation" in n.render("fr") for n in parsed.notes)


def test_outlook_forward_in_french() -> None:
    parsed = parse_submission(corpus("05-outlook-forward-fr.eml"), max_attachment=LIMIT)
    assert parsed.title == "Formation premiers secours - session de janvier"
    assert parsed.body.startswith("Bonjour,\n\nUne formation gratuite")
    assert "Envoyé :" not in parsed.body and "Objet :" not in parsed.body


def test_attachment_names_and_policy() -> None:
    parsed = parse_submission(corpus("06-attachment-names.eml"), max_attachment=LIMIT)
    assert parsed.image is not None and parsed.image.filename == "Flyer café ñ.jpg"
    assert [f.filename for f in parsed.attachments] == [
        "Affiche été 2027 – Schærbeek.pdf",
        "Uitnodiging Brussel – ëvenement zomer.pdf",
    ]
    notes = [str(n) for n in parsed.notes]
    assert "programme.exe: programs are not accepted" in notes
    assert "photos.zip: archives are not accepted" in notes
    assert "facture.pdf: programs are not accepted" in notes  # a program named .pdf


def test_attachment_over_the_limit_is_refused_with_a_note() -> None:
    parsed = parse_submission(corpus("01-outlook-cp1252-related.eml"), max_attachment=300)
    assert parsed.attachments == [] and parsed.image is None
    notes = " ".join(str(n) for n in parsed.notes)
    assert "Programme journée.pdf: too large" in notes and "image002.png: too large" in notes


def test_html_scripts_are_removed() -> None:
    parsed = parse_submission(corpus("07-html-scripts.eml"), max_attachment=LIMIT)
    body = parsed.body
    assert "<h2>Stage de théâtre pour ados</h2>" in body
    assert "<b>stage de théâtre</b>" in body
    for bad in ("<script", "javascript:", "onload", "onclick", "onmouseover", "iframe",
                "tracker.example.com", "<form", "<img", "<svg", "alert", "style="):  # fmt: skip
        assert bad not in body, bad
    assert 'href="https://theatre.example.org/stage"' in body


def test_header_injection_in_encoded_subject_is_folded() -> None:
    parsed = parse_submission(corpus("08-header-injection.eml"), max_attachment=LIMIT)
    assert "\r" not in parsed.title and "\n" not in parsed.title
    assert parsed.title == "Stage d'été Bcc: victime@example.net X-Injected: oui"
    assert parsed.sender == "communication@asbl-soleil.example.org"
    assert "\n" not in parsed.sender_name


def test_broken_mime_structure_is_a_problem() -> None:
    parsed = parse_submission(corpus("09-malformed-boundary.eml"), max_attachment=LIMIT)
    assert parsed.problem is not None
    assert "MIME structure" in str(parsed.problem)


def test_truncated_mime_keeps_the_text() -> None:
    parsed = parse_submission(corpus("10-truncated-mime.eml"), max_attachment=LIMIT)
    assert parsed.problem is None
    assert "Repair Café in het buurthuis, van 10u tot 13u." in parsed.body
    assert any("repair.png" in str(n) for n in parsed.notes)


def test_reply_quote_and_signature_trimmed() -> None:
    parsed = parse_submission(corpus("19-reply-quoted-nl.eml"), max_attachment=LIMIT)
    assert parsed.title == "Nieuwsbrief december: stuur uw nieuws"
    assert "vrijwilligers voor de voedselbedeling" in parsed.body  # undeclared UTF-8
    assert "schreef" not in parsed.body and ">" not in parsed.body
    flowed = parse_submission(corpus("18-duplicate.eml"), max_attachment=LIMIT)
    assert "le mardi de 14h" in flowed.body  # format=flowed joined
    assert "ASBL Le Soleil" not in flowed.body  # after "-- "


def test_trim_keeps_ordinary_text() -> None:
    text = "Ligne 1\n> citation au milieu\nLigne 3\n\nSignature sans séparateur"
    assert trim_text(text, forward=False, reply=False).text == text


def test_latin1_and_no_sender() -> None:
    parsed = parse_submission(corpus("20-unknown-sender-latin1.eml"), max_attachment=LIMIT)
    assert parsed.title == "Bourse aux vêtements d'hiver"
    assert "vêtements d'hiver le samedi" in parsed.body
    nobody = parse_submission(corpus("22-no-sender.eml"), max_attachment=LIMIT)
    assert nobody.sender == ""


def test_garbage_never_raises() -> None:
    samples = [
        b"",
        b"\x00\x01\x02 not a message",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"Subject: =?utf-8?B?###?=\r\nContent-Type: text/plain; charset=nonsense\r\n\r\n\xff\xfe",
        b"Content-Type: message/rfc822\r\n\r\n" * 50,
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 200,
        b"Subject: " + base64.b64encode(b"x" * 10000) + b"\r\n\r\nbody",
    ]
    for raw in samples:
        parsed = parse_submission(raw, max_attachment=LIMIT)
        assert parsed.problem is not None or parsed.title is not None


def test_who_wrote_it_rfc_3834() -> None:
    def kind(headers: str) -> tuple[Automatic, bool]:
        message = message_from_bytes(headers.encode() + b"\r\n\r\nTexte.\r\n")
        return automatic(message), may_acknowledge(message)

    person = "From: Asbl <info@asbl.example.org>\r\nSubject: Fête de quartier"
    assert kind(person) == (Automatic.human, True)
    assert kind(person + "\r\nAuto-Submitted: auto-generated") == (Automatic.auto_generated, False)
    assert kind(person + "\r\nAuto-Submitted: auto-replied") == (Automatic.auto_replied, False)
    assert kind(person + "\r\nAuto-Submitted: no") == (Automatic.human, True)
    assert kind(person + "\r\nPrecedence: bulk") == (Automatic.bulk, False)
    assert kind(person + "\r\nList-Id: <liste.example.org>") == (Automatic.mailing_list, False)
    assert kind(person + "\r\nX-Auto-Response-Suppress: All") == (Automatic.human, False)
    assert kind("From: MAILER-DAEMON@mx.example.org\r\nSubject: x") == (
        Automatic.mailer_daemon,
        False,
    )
    assert kind("From: No Reply <noreply@asbl.example.org>\r\nSubject: Infolettre") == (
        Automatic.bulk,
        False,
    )
    assert kind("From: Asbl <info@asbl.example.org>\r\nSubject: Out of Office: absent") == (
        Automatic.auto_replied,
        False,
    )
    assert kind("From: broken\r\nSubject: x") == (Automatic.human, False)


OUTLOOK_FORWARD = (
    "<html><body><div class=WordSection1><p class=MsoNormal>Pour diffusion, merci.<o:p></o:p>"
    "</p><p class=MsoNormal><o:p>&nbsp;</o:p></p><div><div style='border:none;border-top:solid "
    "#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>De&nbsp;:</b> Croix "
    "Exemple &lt;formations@croix.example.org&gt; <br><b>Envoy&eacute;&nbsp;:</b> lundi 2 "
    "novembre 2026 09:14<br><b>&Agrave;&nbsp;:</b> ASBL<br><b>Objet&nbsp;:</b> Formation"
    "<o:p></o:p></p></div></div><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>"
    "Bonjour,<o:p></o:p></p><p class=MsoNormal>Une formation gratuite.<o:p></o:p></p></div>"
    "</body></html>"
)


def test_outlook_html_forward_and_reply() -> None:
    forward = clean_html(OUTLOOK_FORWARD, forward=True, reply=False)
    assert forward.html == "<p>Bonjour,</p><p>Une formation gratuite.</p>"
    assert forward.preface == "Pour diffusion, merci."
    reply = clean_html(OUTLOOK_FORWARD, forward=False, reply=True)
    assert reply.html == "<p>Pour diffusion, merci.</p>"


def test_gmail_html_reply_quote_removed() -> None:
    html = (
        '<div dir="ltr">Voici notre info.<br><div class="gmail_quote"><div dir="ltr" '
        'class="gmail_attr">On Mon, Nov 2, 2026 at 4:40 PM Fondation wrote:<br></div>'
        '<blockquote class="gmail_quote">Texte cité</blockquote></div></div>'
    )
    cleaned = clean_html(html, forward=False, reply=True).html
    assert "Voici notre info." in cleaned and "cité" not in cleaned and "wrote" not in cleaned
