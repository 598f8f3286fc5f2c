"""Small checks the tests share: each fails the test, with a reason, when what it looks for
is missing (so the value it returns is never None)."""

from __future__ import annotations

import re
from email.message import EmailMessage

from newsletter.service import Service
from newsletter.service.audience import SubscriberView


def search(pattern: str | re.Pattern[str], text: str, group: int = 0) -> str:
    """The `group` of the first match of `pattern` in `text`."""
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not found in {text[:500]!r}"
    return found.group(group)


def subscriber(service: Service, email: str) -> SubscriberView:
    """The subscriber with this address (who must exist)."""
    view = service.audience.find_subscriber(email)
    assert view is not None, f"no subscriber {email}"
    return view


def text_body(message: EmailMessage, subtype: str = "plain") -> str:
    """The decoded text/<subtype> body of the message (which must have one)."""
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} body"
    content = part.get_content()
    assert isinstance(content, str)
    return content
