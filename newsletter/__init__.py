"""newsletter: a self-hosted newsletter and mailing-list broadcaster."""

__version__ = "0.1.0"
