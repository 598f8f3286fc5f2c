"""A person's details as a coordinator types them: the console's "new person" and
"edit" forms and the command line's ``subscribers add`` give the same fields, checked
by the same rules (``PersonForm.checked``)."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.audience.normalize import split_tags
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES, N_

NAME_LENGTH = 200


@dataclass(frozen=True)
class CheckedPerson:
    """The fields once checked: name trimmed, language known, tags as sorted slugs."""

    name: str
    language: str
    #: the organisation's name as typed ("" for none); the service finds it by name
    organisation: str
    groups: list[str]
    roles: list[str]


@dataclass(frozen=True)
class PersonForm:
    """The fields of a person as typed (groups and roles comma-separated)."""

    name: str = ""
    language: str = "fr"
    organisation: str = ""
    groups: str = ""
    roles: str = ""

    def checked(self) -> CheckedPerson:
        """The fields by the directory's rules; ValidationError for an unknown language."""
        language = self.language.strip()
        if language not in LANGUAGES:
            raise ValidationError(N_("Unknown language.")).on("language")
        return CheckedPerson(
            name=self.name.strip()[:NAME_LENGTH],
            language=language,
            organisation=self.organisation.strip(),
            groups=split_tags(self.groups),
            roles=split_tags(self.roles),
        )

    def values(self) -> dict[str, str]:
        """The fields as typed, to show the form again after an error."""
        return {"name": self.name, "language": self.language, "organisation": self.organisation,
                "groups": self.groups, "roles": self.roles}  # fmt: skip
