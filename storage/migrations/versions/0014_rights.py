"""rights of the data subject

Requests to access, correct or erase personal data with when they were received and
met; outbox messages marked sensitive (their body is replaced once delivered) and the
pseudonym their chat takes after delivery; accounts whose chat-app name is withheld
(the person erased their data and has not consented again) and when one was erased.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('data_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_data_requests_account_id_accounts')),
    sa.ForeignKeyConstraint(['received_by'], ['accounts.id'], name=op.f('fk_data_requests_received_by_accounts')),
    sa.ForeignKeyConstraint(['met_by'], ['accounts.id'], name=op.f('fk_data_requests_met_by_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_requests'))
    )
    op.create_index('ix_data_requests_open', 'data_requests', ['met_at', 'due_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('chat_pseudonym', sa.String(length=128), nullable=True))
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_withheld', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('profile_withheld')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('chat_pseudonym')
        batch_op.drop_column('sensitive')
    op.drop_index('ix_data_requests_open', table_name='data_requests')
    op.drop_table('data_requests')
