"""ASGI app: coordinator console, partner form, public pages (archive, unsubscribe, RSVP,
feeds). ``create_app(ctx)`` builds it over ``Service(ctx)``."""

from newsletter.web.app import create_app

__all__ = ["create_app"]
