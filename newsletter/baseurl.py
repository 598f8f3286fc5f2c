"""BASE_URL, the address every link of every e-mail starts with: derived for a local
server when none is set, and checked before serving or sending (plain http on a public
host, an address that does not answer)."""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from newsletter.config import Settings
from newsletter.i18n import N_, Msg

_LOCAL_NAMES = {"localhost", "localhost.localdomain", ""}


def is_set(settings: Settings) -> bool:
    """True when BASE_URL comes from the environment or ``.env``, not the default."""
    return "base_url" in settings.model_fields_set


def for_port(settings: Settings, host: str, port: int) -> Settings:
    """The settings with BASE_URL pointing at this server when none was set."""
    if is_set(settings):
        return settings
    name = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "::1", "") else host  # noqa: S104
    if ":" in name:
        name = f"[{name}]"
    return settings.model_copy(update={"base_url": f"http://{name}:{port}"})


def is_local(hostname: str) -> bool:
    """A name or address that only this machine or a private network reaches."""
    name = hostname.strip("[]").lower()
    if name in _LOCAL_NAMES or name.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return "." not in name  # a bare host name of the local network
    return address.is_private or address.is_loopback or address.is_link_local


def problems(base_url: str, *, probe: bool = True, timeout: float = 3.0) -> list[Msg]:
    """What is wrong with BASE_URL, for a loud warning (empty: nothing)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Msg(N_("BASE_URL '{url}' is not an http(s) address: every link in the "
                       "e-mails will be broken."), {"url": base_url})]  # fmt: skip
    found: list[Msg] = []
    if parts.scheme == "http" and not is_local(parts.hostname):
        found.append(Msg(N_("BASE_URL {url} is plain http on a public host: unsubscribe and "
                            "preferences links travel unencrypted and browsers warn; use "
                            "https."), {"url": base_url}))  # fmt: skip
    if probe:
        silent = unanswered(base_url, timeout)
        if silent is not None:
            found.append(silent)
    return found


def unanswered(base_url: str, timeout: float = 3.0) -> Msg | None:
    """The warning when BASE_URL gives no HTTP answer (None: it answers)."""
    error = answers(base_url, timeout)
    if error is None:
        return None
    return Msg(N_("BASE_URL {url} does not answer ({error}): the links in the "
                  "e-mails (unsubscribe, preferences, RSVP, web version) would "
                  "not work."), {"url": base_url, "error": error})  # fmt: skip


def answers(base_url: str, timeout: float = 3.0) -> str | None:
    """None when the address gives any HTTP answer, else the reason it does not."""
    if urlsplit(base_url).scheme not in ("http", "https"):
        return "not http(s)"
    request = urllib.request.Request(base_url, method="HEAD")  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310
            return None
    except urllib.error.HTTPError:
        return None  # it answered, even if with an error page
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return str(reason)[:200]
