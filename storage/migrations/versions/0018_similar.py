"""similar cases and followers

Citizens following a case they did not file (the same problem, raised by them too), the
case a duplicate was merged into, an index for the candidates of "similar cases first"
(same field and area). The case a reply in a chat answers is found by the outbox's index
of the channel's message ids (ix_outbox_external, 0015).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('case_followers',
    sa.Column('id', ID, nullable=False),
    sa.Column('case_id', ID, nullable=False),
    sa.Column('account_id', ID, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('followed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_followers_case_id_cases')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_case_followers_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_followers')),
    sa.UniqueConstraint('case_id', 'account_id', name=op.f('uq_case_followers_case_id'))
    )
    op.create_index(op.f('ix_case_followers_case_id'), 'case_followers', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_followers_account_id'), 'case_followers', ['account_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of', ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_duplicate_of_cases'), 'cases', ['duplicate_of'], ['id'])
        batch_op.create_index('ix_cases_similar', ['field_code', 'area_code', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_similar')
        batch_op.drop_constraint(batch_op.f('fk_cases_duplicate_of_cases'), type_='foreignkey')
        batch_op.drop_column('duplicate_of')
    op.drop_index(op.f('ix_case_followers_account_id'), table_name='case_followers')
    op.drop_index(op.f('ix_case_followers_case_id'), table_name='case_followers')
    op.drop_table('case_followers')
