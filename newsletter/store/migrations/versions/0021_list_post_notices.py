"""list posts: kept whole or not, when the poster was told

Revision ID: 0021_list_post_notices
Revises: 0020_mailing_lists
Create Date: 2026-12-02 00:09:13

``list_posts.truncated``: the intake kept only the head of the message (over
INTAKE_MAX_MESSAGE), so it can never be relayed; set for the posts already recorded
with that reason. ``held_notified_at`` / ``rejected_notified_at``: when the poster was
sent the notice that the post waits for a moderator / was not relayed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import newsletter.store.base


revision: str = '0021_list_post_notices'
down_revision: str | None = '0020_mailing_lists'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRUNCATED = "Too large to be read whole ({size} KB): it cannot be relayed"


def upgrade() -> None:
    with op.batch_alter_table('list_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('truncated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('held_notified_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rejected_notified_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=True))
    posts = sa.table('list_posts', sa.column('truncated', sa.Boolean()), sa.column('reason', sa.Text()))
    op.execute(posts.update().where(posts.c.reason == TRUNCATED).values(truncated=True))


def downgrade() -> None:
    with op.batch_alter_table('list_posts', schema=None) as batch_op:
        batch_op.drop_column('rejected_notified_at')
        batch_op.drop_column('held_notified_at')
        batch_op.drop_column('truncated')
