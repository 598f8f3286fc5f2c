"""news notes stored language-neutral (message id + parameters)

Revision ID: 0010_news_notes
Revises: 0009_web_sessions
Create Date: 2026-12-01 12:05:00

Old notes were French text, one a line: each line becomes a message whose id is that
text (braces doubled so that it renders as written), shown as before in every language.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_news_notes'
down_revision: str | None = "0009_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _news() -> sa.TableClause:
    return sa.table(
        'news_items',
        sa.column('id', sa.Integer),
        sa.column('note', sa.Text),
        sa.column('notes', sa.JSON),
    )


def upgrade() -> None:
    news = _news()
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(news.c.id, news.c.note)).all()
    for news_id, note in rows:
        lines = [line.strip() for line in (note or '').splitlines() if line.strip()]
        notes: list[dict[str, object]] = [{'msgid': line.replace('{', '{{').replace('}', '}}'), 'params': {}}
                 for line in lines]
        connection.execute(sa.update(news).where(news.c.id == news_id).values(notes=notes))
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.alter_column('notes', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('note')


def downgrade() -> None:
    news = _news()
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.select(news.c.id, news.c.notes)).all()
    for news_id, notes in rows:
        text = '\n'.join(str(n.get('msgid', '')) for n in notes or [] if isinstance(n, dict))
        connection.execute(sa.update(news).where(news.c.id == news_id).values(note=text))
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_column('notes')
