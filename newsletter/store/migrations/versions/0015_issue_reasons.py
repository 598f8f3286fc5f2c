"""issue reasons stored language-neutral (message id + parameters)

Revision ID: 0015_issue_reasons
Revises: 0014_two_languages
Create Date: 2026-12-01 14:20:00

Old reasons were French text. The three fixed ones become their message ids again; any
other (an automatic pause, a render failure, a coordinator's own words) becomes a message
whose id is that text (braces doubled so that it renders as written), shown as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_issue_reasons'
down_revision: str | None = '0014_two_languages'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: French text as stored until now → message id
_KNOWN = {
    'Mis en pause par la coordination.': 'Paused by the coordinator.',
    'Annulé par la coordination.': 'Cancelled by the coordinator.',
    "Retenu : l'heure programmée est passée pendant que l'application était arrêtée. "
    "Vérifiez le numéro, puis reprenez ou reprogrammez l'envoi.": (
        'Held: the scheduled time passed while the application was stopped. '
        'Check the issue, then resume or reschedule it.'
    ),
}


def _issues() -> sa.TableClause:
    return sa.table(
        'issues',
        sa.column('id', sa.Integer),
        sa.column('status_reason', sa.Text),
        sa.column('status_reason_params', sa.JSON),
    )


def upgrade() -> None:
    issues = _issues()
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason_params', sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(issues.c.id, issues.c.status_reason)).all()
    for issue_id, reason in rows:
        text = reason or ''
        msgid = _KNOWN.get(text) or text.replace('{', '{{').replace('}', '}}')
        connection.execute(
            sa.update(issues)
            .where(issues.c.id == issue_id)
            .values(status_reason=msgid, status_reason_params={})
        )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.alter_column('status_reason_params', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    issues = _issues()
    connection = op.get_bind()
    french = {msgid: text for text, msgid in _KNOWN.items()}
    rows = connection.execute(
        sa.select(issues.c.id, issues.c.status_reason, issues.c.status_reason_params)
    ).all()
    for issue_id, msgid, params in rows:
        try:
            text = french.get(msgid) or (msgid or '').format(**(params or {}))
        except (KeyError, IndexError, ValueError):
            text = msgid or ''
        connection.execute(
            sa.update(issues).where(issues.c.id == issue_id).values(status_reason=text)
        )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('status_reason_params')
