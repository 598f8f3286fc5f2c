"""SpamAssassin (offline) finds none of the structural faults of a badly built newsletter."""

from __future__ import annotations

import re

import pytest

from newsletter.context import Context
from newsletter.render import prepare_issue, sample_personalization
from newsletter.render.preview import preview
from newsletter.store.editorial import Issue
from tests.support.spamd import Spamd

FAULTS = {"MIME_HTML_ONLY", "MISSING_DATE", "MISSING_MID", "MISSING_HEADERS", "MISSING_SUBJECT",
          "MIME_QP_LONG_LINE", "HTML_MIME_NO_HTML_TAG", "MIME_HTML_MOSTLY", "MPART_ALT_DIFF",
          "INVALID_DATE", "FROM_EXCESS_BASE64", "SUBJ_ALL_CAPS"}  # fmt: skip


@pytest.mark.parametrize("edition", ["fr", "nl", "bilingual"])
def test_no_structural_fault(ctx: Context, issue_id: int, spamd: Spamd, edition: str) -> None:
    """In French, in Dutch, and in the bilingual edition (both versions in one e-mail)."""
    lang = "nl" if edition == "nl" else "fr"
    with ctx.db.session() as session:
        if edition == "bilingual":
            issue = session.get(Issue, issue_id)
            assert issue is not None
            issue.bilingual = True
            session.flush()
        prepared = prepare_issue(session, ctx.settings, issue_id)
    values = sample_personalization(ctx.settings, issue_id, lang)
    eml = preview(prepared.variant(lang, "effectif"), values).eml
    report = spamd.report(eml)
    fired = set(re.findall(r"^\s*-?\d+\.\d+\s+([A-Z0-9_]+)\s", report, re.MULTILINE))
    assert "HTML_MESSAGE" in fired  # the parser did read the report
    assert fired & FAULTS == set()
