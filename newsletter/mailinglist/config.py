"""The ``posting:`` block of a list file (read with the list, ``audience.posting``)."""

from newsletter.audience.posting import DEFAULT_ATTACHMENTS as DEFAULT_ATTACHMENTS
from newsletter.audience.posting import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES
from newsletter.audience.posting import Moderation as Moderation
from newsletter.audience.posting import Posting as Posting
from newsletter.audience.posting import PostingError as PostingError
from newsletter.audience.posting import ReplyTo as ReplyTo
from newsletter.audience.posting import Who as Who
from newsletter.audience.posting import parse_posting as parse_posting
