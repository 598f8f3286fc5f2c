"""Service of the audience: directory import/export, subscribers, lists."""

from __future__ import annotations

from newsletter.context import Context


class AudienceService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
