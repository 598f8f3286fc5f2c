"""The web version of an issue says where its calendar entry is downloaded.

The e-mail carries each AG's ``.ics`` as an attachment and says so; on the web nothing is
attached, so that sentence becomes a link to the network's calendar, in the page's
language (``/feeds/agenda.ics?lang=``), which holds the assembly.
"""

from __future__ import annotations

import re

from markupsafe import escape

from newsletter.i18n import LANGUAGES, N_, gettext

#: the e-mail's sentence (the shipped templates), with the file's name
ATTACHED = N_(
    "The calendar entry (%(file)s) is attached: open it to add the assembly to your calendar."
)
#: what the web version says instead; ``{link}`` is the download link
ON_THE_WEB = N_("To add the assembly to your calendar, download the network's calendar: {link}.")


def _attached_sentence(lang: str) -> re.Pattern[str]:
    before, _, after = gettext(lang, ATTACHED).partition("%(file)s")
    # as Jinja's ``_`` writes it: the catalogue's text as is, the file's name escaped
    return re.compile(re.escape(before) + r"[^<>()]*" + re.escape(after))


def web_calendar_note(html: str, base_url: str) -> str:
    """``html`` (an issue's web version) with each "is attached" sentence replaced by the
    download link of the calendar in that sentence's language."""
    for shown in LANGUAGES:  # the bilingual edition says it in both
        url = f"{base_url.rstrip('/')}/feeds/agenda.ics?lang={shown}"
        link = f'<a href="{escape(url)}">agenda.ics</a>'
        sentence = gettext(shown, ON_THE_WEB).format(link=link)
        html = _attached_sentence(shown).sub(sentence.replace("\\", "\\\\"), html)
    return html
