"""What is missing in each language before an issue goes out, and who gets a fallback.

The composer shows it (a count at the top, "NL manquant" on each item) and the send
asks for a confirmation that says it; console and CLI read the same report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from newsletter import versions
from newsletter.audience.segments import count_lists, load_segments, pick
from newsletter.context import Context
from newsletter.editorial.issues import get_issue
from newsletter.i18n import LANGUAGES, N_, Msg
from newsletter.service.json_result import JsonResult

#: the confirmation a send with missing versions asks for, per language lacking
FALLBACK_READERS = N_(
    "{readers} {language} reader(s) will get {items} text(s) in the other language."
)
LANGUAGE_NAMES = {"fr": N_("French"), "nl": N_("Dutch")}


@dataclass(frozen=True)
class LanguageGaps(JsonResult):
    """Per language: the texts without that version and the readers who get a fallback."""

    issue_id: int
    #: {"nl": [news ids without a Dutch version]}
    missing_items: dict[str, list[int]] = field(default_factory=dict)
    #: {"nl": True} when the issue's own title has no Dutch version
    missing_title: dict[str, bool] = field(default_factory=dict)
    #: {"nl": number of AGs announced without a Dutch title}
    missing_assemblies: dict[str, int] = field(default_factory=dict)
    #: recipients of the issue's lists by language (counted only when some of them get a
    #: fallback: empty when the issue is complete or bilingual)
    readers: dict[str, int] = field(default_factory=dict)
    bilingual: bool = False

    def missing(self, lang: str) -> int:
        """How many texts a reader of ``lang`` gets in the other language."""
        return (
            len(self.missing_items.get(lang, []))
            + int(self.missing_title.get(lang, False))
            + self.missing_assemblies.get(lang, 0)
        )

    @property
    def complete(self) -> bool:
        return self.bilingual or all(self.missing(lang) == 0 for lang in LANGUAGES)

    def warnings(self) -> list[Msg]:
        """One message per language whose readers get a fallback (none in the bilingual
        edition: everyone gets both versions)."""
        if self.bilingual:
            return []
        return [
            Msg(
                FALLBACK_READERS,
                {
                    "readers": self.readers.get(lang, 0),
                    "language": Msg(LANGUAGE_NAMES[lang]),
                    "items": self.missing(lang),
                },
            )
            for lang in LANGUAGES
            if self.missing(lang) and self.readers.get(lang, 0)
        ]


class LanguagesService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def gaps(
        self, issue_id: int, lists: list[str] | None = None,
        readers: Mapping[str, int] | None = None,
    ) -> LanguageGaps:  # fmt: skip
        """The missing versions of an issue and its readers per language (its own lists
        unless ``lists`` is given; ``readers``: already counted for those lists, e.g. by
        ``audience.lists_and_reach``)."""
        with self.ctx.db.session() as session:
            issue = get_issue(session, issue_id)
            wanted = list(lists if lists is not None else issue.lists)
            gaps = LanguageGaps(
                issue_id=issue.id,
                missing_items={
                    lang: [
                        link.news_id
                        for link in issue.items
                        if not versions.has_version(link.news, lang)
                    ]
                    for lang in LANGUAGES
                },
                missing_title={lang: not versions.has_version(issue, lang) for lang in LANGUAGES},
                missing_assemblies={
                    lang: sum(
                        1 for a in issue.assemblies if not versions.has_version(a.assembly, lang)
                    )
                    for lang in LANGUAGES
                },
                bilingual=bool(issue.bilingual),
            )
            if gaps.complete or not wanted:
                return gaps  # nobody gets a fallback: no pass over the recipients
            if readers is not None:
                return replace(gaps, readers={lang: readers.get(lang, 0) for lang in LANGUAGES})
            segments, _errors = load_segments(self.ctx.settings.lists_dir)
            # the counts ``iter_recipients`` would give, without building each recipient
            pick(segments, wanted)  # an unknown list is refused, as the send would
            counted: dict[str, int] = {}
            count_lists(session, segments, wanted, counted)
            return replace(gaps, readers={lang: counted.get(lang, 0) for lang in LANGUAGES})
