"""what the sender adds to a delivery's reply, stored language-neutral

Revision ID: 0017_reply_notes
Revises: 0016_departed_clicks
Create Date: 2026-12-01 17:50:00

Until now the sender wrote its own English words into ``deliveries.last_reply`` ("gave
up after 3 attempts: …", "connection error: …", "unsubscribed before delivery",
"cancelled before delivery", the name of the error of a message that could not be
built, "250 stored KEY" of the mail folder). They become a message id and parameters in
``reply_note`` / ``reply_note_params``; ``last_reply`` keeps only what a server said.
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0017_reply_notes'
down_revision: str | None = '0016_departed_clicks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GAVE_UP = 'gave up after {attempts} attempts'
NO_REPLY = 'no reply from the mail server'
UNSUBSCRIBED = 'unsubscribed before delivery'
CANCELLED = 'cancelled before delivery'
NOT_BUILT = 'the message could not be built ({error})'

_GAVE_UP = re.compile(r'^gave up after (\d+) attempts: (.*)$', re.S)
_CONNECTION = 'connection error: '
_STORED = '250 stored '
_ERROR_NAME = re.compile(r'^[A-Za-z_]\w*(?:Error|Exception)$')


def _deliveries() -> sa.TableClause:
    return sa.table(
        'deliveries',
        sa.column('id', sa.Integer),
        sa.column('status', sa.String),
        sa.column('last_reply', sa.Text),
        sa.column('reply_note', sa.String),
        sa.column('reply_note_params', sa.JSON(none_as_null=True)),
    )


def split(status: str, text: str) -> tuple[str, str, dict[str, Any] | None] | None:
    """(server reply, note id, note parameters) of an old reply text; None: unchanged."""
    found = _GAVE_UP.match(text)
    if found:
        return found.group(2).removeprefix(_CONNECTION), GAVE_UP, {'attempts': int(found.group(1))}
    if text.startswith(_CONNECTION):
        return text.removeprefix(_CONNECTION), NO_REPLY, None
    if text == UNSUBSCRIBED:
        return '', UNSUBSCRIBED, None
    if text == CANCELLED:
        return '', CANCELLED, None
    if status == 'sent' and text.startswith(_STORED):
        return '250 ' + text.removeprefix(_STORED), '', None
    if status == 'failed_permanent' and _ERROR_NAME.match(text):
        return '', NOT_BUILT, {'error': text}
    return None


def joined(reply: str, note: str, params: dict[str, Any] | None) -> str:
    """The old text of a reply and its note."""
    if not note:
        return reply
    if note == GAVE_UP:
        return f'gave up after {(params or {}).get("attempts", 0)} attempts: {reply}'
    if note == NO_REPLY:
        return _CONNECTION + reply
    if note == NOT_BUILT:
        return str((params or {}).get('error', ''))
    return note


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reply_note', sa.String(length=200), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('reply_note_params', sa.JSON(), nullable=True))
    table = _deliveries()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(table.c.id, table.c.status, table.c.last_reply).where(
            sa.or_(
                table.c.last_reply.like('gave up after %'),
                table.c.last_reply.like(_CONNECTION + '%'),
                table.c.last_reply.in_([UNSUBSCRIBED, CANCELLED]),
                table.c.last_reply.like(_STORED + '%'),
                table.c.status == 'failed_permanent',
            )
        )
    ).all()
    for delivery_id, status, text in rows:
        parts = split(str(status), text or '')
        if parts is None:
            continue
        reply, note, params = parts
        connection.execute(
            sa.update(table)
            .where(table.c.id == delivery_id)
            .values(last_reply=reply, reply_note=note, reply_note_params=params)
        )


def downgrade() -> None:
    table = _deliveries()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            table.c.id, table.c.last_reply, table.c.reply_note, table.c.reply_note_params
        ).where(table.c.reply_note != '')
    ).all()
    for delivery_id, reply, note, params in rows:
        connection.execute(
            sa.update(table)
            .where(table.c.id == delivery_id)
            .values(last_reply=joined(reply or '', note, params))
        )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('reply_note_params')
        batch_op.drop_column('reply_note')
