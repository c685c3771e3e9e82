"""SMS delivery reports and chats following a PAKN taken by staff

The outbox keeps what a channel reported after taking a message (an SMS gateway's
delivery report) and when, found by the channel's own message id; a chat may speak for
the sender of a PAKN it was not filed from (sender_chats), once it proved it holds the
phone on the case.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('report', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_outbox_external', 'outbox', ['channel', 'external_id', 'chat_id'])
    op.create_table('sender_chats',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('followed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('via', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_sender_chats_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sender_chats_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sender_chats')),
    sa.UniqueConstraint('case_id', 'channel', 'chat_id', name=op.f('uq_sender_chats_case_id'))
    )
    op.create_index(op.f('ix_sender_chats_account_id'), 'sender_chats', ['account_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sender_chats_account_id'), table_name='sender_chats')
    op.drop_table('sender_chats')
    op.drop_index('ix_outbox_external', table_name='outbox')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('reported_at')
        batch.drop_column('report')
