"""The person fields of the console's forms ("new person", a person's page), read into
the service's ``PersonForm`` (whose rules check them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form

from newsletter.service.person_form import PersonForm


def person_form(
    name: str = Form(""),
    language: str = Form("fr"),
    organisation: str = Form(""),
    groups: str = Form(""),
    roles: str = Form(""),
) -> PersonForm:
    return PersonForm(
        name=name, language=language, organisation=organisation, groups=groups, roles=roles
    )


PersonFormDep = Annotated[PersonForm, Depends(person_form)]
