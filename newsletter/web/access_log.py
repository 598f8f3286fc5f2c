"""uvicorn's access log without the personal tokens of the public links.

The paths of ``links.TOKEN_PATHS`` carry a signed token (unsubscribe, preferences, RSVP,
confirmation, partner link, file): whoever reads the log could act with it. The filter
replaces the token with ``…`` before the line is written, so a log shipped elsewhere
holds no working link. It sits on the ``uvicorn.access`` logger in the logging
configuration that ``serve`` gives uvicorn (``LOG_CONFIG``).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from newsletter.links import TOKEN_PATHS

REDACTED = "…"
_TOKEN = re.compile("(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATHS) + r")[^/?#\s\"]+")


def redact(text: str) -> str:
    """``text`` with the token of every public token path replaced."""
    return _TOKEN.sub(lambda match: match.group(1) + REDACTED, text)


class RedactTokens(logging.Filter):
    """Rewrites an access record's path (uvicorn's args: client, method, path, version,
    status); any other record of the logger has its message redacted whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact(args[2]), args[3], args[4])
        else:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration, with the token filter on the access log."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_tokens"]
    return config
