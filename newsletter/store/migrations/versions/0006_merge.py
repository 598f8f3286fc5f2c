"""One head: the three stage branches joined.

From here on every migration has exactly one parent (the current head);
``tests/test_store.py`` fails when two heads appear.

Revision ID: 0006_merge
Revises: 0003_delivery, 0004_intake, 0005_web
"""

from collections.abc import Sequence

revision: str = "0006_merge"
down_revision: str | Sequence[str] | None = ("0003_delivery", "0004_intake", "0005_web")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
