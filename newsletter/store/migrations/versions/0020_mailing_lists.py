"""mailing lists: posts, trusted senders, digest preferences

Revision ID: 0020_mailing_lists
Revises: 0019_news_reasons
Create Date: 2026-12-01 20:25:57

Messages written to a list's posting address (``list_posts``, raw bytes kept whole),
the senders trusted per list, and each member's digest choice per list. A send either
sends an issue or relays a post: ``sends.issue_id`` becomes optional and ``post_id``
names the post.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import newsletter.store.base


revision: str = '0020_mailing_lists'
down_revision: str | None = '0019_news_reasons'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('list_trusted_senders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.String(length=100), nullable=False),
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('added_by', sa.String(length=320), nullable=False),
    sa.Column('added_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_trusted_senders')),
    sa.UniqueConstraint('list_id', 'email_key', name=op.f('uq_list_trusted_senders_list_id'))
    )
    with op.batch_alter_table('list_trusted_senders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_trusted_senders_list_id'), ['list_id'], unique=False)

    op.create_table('list_digest_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.String(length=100), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('none', 'daily', 'weekly', name='digestmode', native_enum=False, length=20), nullable=False),
    sa.Column('digested_until', newsletter.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_list_digest_preferences_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_digest_preferences')),
    sa.UniqueConstraint('list_id', 'subscriber_id', name=op.f('uq_list_digest_preferences_list_id'))
    )
    with op.batch_alter_table('list_digest_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_digest_preferences_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_digest_preferences_subscriber_id'), ['subscriber_id'], unique=False)

    op.create_table('list_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('held', 'approved', 'rejected', 'relayed', 'dropped', name='poststatus', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reason_params', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=700), nullable=True),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('sender_key', sa.String(length=320), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.Enum('fr', 'nl', name='language', native_enum=False, length=20), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=500), nullable=False),
    sa.Column('in_reply_to', sa.String(length=500), nullable=False),
    sa.Column('references', sa.Text(), nullable=False),
    sa.Column('dmarc', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('received_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=320), nullable=False),
    sa.Column('relayed_at', newsletter.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], name=op.f('fk_list_posts_inbound_id_inbound_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_posts')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_list_posts_dedupe_key'))
    )
    with op.batch_alter_table('list_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_posts_in_reply_to'), ['in_reply_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_posts_inbound_id'), ['inbound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_posts_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_posts_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_posts_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_posts_sender_key'), ['sender_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_posts_status'), ['status'], unique=False)

    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_id', sa.Integer(), nullable=True))
        batch_op.alter_column('issue_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_sends_post_id'), ['post_id'])
        batch_op.create_foreign_key(batch_op.f('fk_sends_post_id_list_posts'), 'list_posts', ['post_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    # the relays of posts have no issue: they go with the posts
    op.execute(sa.text('DELETE FROM deliveries WHERE send_id IN '
                       '(SELECT id FROM sends WHERE issue_id IS NULL)'))
    op.execute(sa.text('DELETE FROM sends WHERE issue_id IS NULL'))
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sends_post_id_list_posts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_sends_post_id'), type_='unique')
        batch_op.alter_column('issue_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('post_id')

    with op.batch_alter_table('list_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_posts_status'))
        batch_op.drop_index(batch_op.f('ix_list_posts_sender_key'))
        batch_op.drop_index(batch_op.f('ix_list_posts_received_at'))
        batch_op.drop_index(batch_op.f('ix_list_posts_message_id'))
        batch_op.drop_index(batch_op.f('ix_list_posts_list_id'))
        batch_op.drop_index(batch_op.f('ix_list_posts_inbound_id'))
        batch_op.drop_index(batch_op.f('ix_list_posts_in_reply_to'))

    op.drop_table('list_posts')
    with op.batch_alter_table('list_digest_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_digest_preferences_subscriber_id'))
        batch_op.drop_index(batch_op.f('ix_list_digest_preferences_list_id'))

    op.drop_table('list_digest_preferences')
    with op.batch_alter_table('list_trusted_senders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_trusted_senders_list_id'))

    op.drop_table('list_trusted_senders')
