"""news reasons of ours stored language-neutral (message id + parameters)

Revision ID: 0019_news_reasons
Revises: 0018_issue_blocks
Create Date: 2026-12-01 18:00:00

Why a news item has its status was stored as text: a coordinator's words (a reason for
rejecting it, the changes asked) and, for a published item, "issue 3" written by the
application in English. People's words stay as written (``…_params`` NULL); "issue N"
becomes the message id "published in issue no. {number}" with its number, translated
when shown.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_news_reasons'
down_revision: str | None = '0018_issue_blocks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED_IN = 'published in issue no. {number}'
_OLD = re.compile(r'^issue (\d+)$')


def _tables() -> tuple[sa.TableClause, sa.TableClause]:
    items = sa.table(
        'news_items',
        sa.column('id', sa.Integer),
        sa.column('status', sa.String),
        sa.column('status_reason', sa.Text),
        sa.column('status_reason_params', sa.JSON(none_as_null=True)),
    )
    events = sa.table(
        'news_events',
        sa.column('id', sa.Integer),
        sa.column('to_status', sa.String),
        sa.column('reason', sa.Text),
        sa.column('reason_params', sa.JSON(none_as_null=True)),
    )
    return items, events


def upgrade() -> None:
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason_params', sa.JSON(), nullable=True))
    with op.batch_alter_table('news_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_params', sa.JSON(), nullable=True))
    items, events = _tables()
    connection = op.get_bind()
    for table, key, status, reason, params in (
        (items, items.c.id, items.c.status, items.c.status_reason, 'status_reason_params'),
        (events, events.c.id, events.c.to_status, events.c.reason, 'reason_params'),
    ):
        rows = connection.execute(
            sa.select(key, reason).where(status == 'published', reason.like('issue %'))
        ).all()
        for row_id, text in rows:
            found = _OLD.match(text or '')
            if found is None:
                continue
            connection.execute(
                sa.update(table)
                .where(key == row_id)
                .values({reason.name: PUBLISHED_IN, params: {'number': int(found.group(1))}})
            )


def downgrade() -> None:
    items, events = _tables()
    connection = op.get_bind()
    for table, key, reason, params in (
        (items, items.c.id, items.c.status_reason, items.c.status_reason_params),
        (events, events.c.id, events.c.reason, events.c.reason_params),
    ):
        rows = connection.execute(
            sa.select(key, params).where(reason == PUBLISHED_IN)
        ).all()
        for row_id, values in rows:
            number = (values or {}).get('number', '')
            connection.execute(
                sa.update(table).where(key == row_id).values({reason.name: f'issue {number}'})
            )
    with op.batch_alter_table('news_events', schema=None) as batch_op:
        batch_op.drop_column('reason_params')
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_column('status_reason_params')
