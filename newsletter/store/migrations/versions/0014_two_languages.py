"""content in two languages: original language and the other language's version

Revision ID: 0014_two_languages
Revises: 0013_news_submission_key
Create Date: 2026-12-01 13:55:34

Issues and assemblies gain their original language (existing ones: French, the language
they were written in); news items already had one. Each record keeps the other
language's version in ``translations`` (empty: not translated yet).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_two_languages'
down_revision: str | None = '0013_news_submission_key'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _language() -> sa.Column[str]:
    return sa.Column(
        'language',
        sa.Enum('fr', 'nl', name='language', native_enum=False, length=30),
        nullable=False,
        server_default='fr',
    )


def _translations() -> sa.Column[object]:
    return sa.Column('translations', sa.JSON(), nullable=False, server_default='{}')


def upgrade() -> None:
    with op.batch_alter_table('assemblies', schema=None) as batch_op:
        batch_op.add_column(_language())
        batch_op.add_column(_translations())

    with op.batch_alter_table('issue_annexes', schema=None) as batch_op:
        batch_op.add_column(_translations())

    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(_language())
        batch_op.add_column(_translations())
        batch_op.add_column(sa.Column('bilingual', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_text', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(_translations())


def downgrade() -> None:
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_column('translations')
        batch_op.drop_column('link_text')

    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('bilingual')
        batch_op.drop_column('translations')
        batch_op.drop_column('language')

    with op.batch_alter_table('issue_annexes', schema=None) as batch_op:
        batch_op.drop_column('translations')

    with op.batch_alter_table('assemblies', schema=None) as batch_op:
        batch_op.drop_column('translations')
        batch_op.drop_column('language')
