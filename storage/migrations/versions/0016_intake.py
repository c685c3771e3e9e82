"""staff intake

PAKN taken by staff for a citizen (a call, a letter, at the desk): where the sender is
written to when it is not the channel the case came by (SMS, email), and for each such
case who took it, the email given and the consent recorded.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_channel', sa.String(length=16), nullable=True))
    op.create_table('intakes',
    sa.Column('case_id', ID, nullable=False),
    sa.Column('taken_by', ID, nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('consent_basis', sa.String(length=16), nullable=False),
    sa.Column('consent_recorded_by', ID, nullable=False),
    sa.Column('consent_recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_intakes_case_id_cases')),
    sa.ForeignKeyConstraint(['taken_by'], ['accounts.id'], name=op.f('fk_intakes_taken_by_accounts')),
    sa.ForeignKeyConstraint(['consent_recorded_by'], ['accounts.id'], name=op.f('fk_intakes_consent_recorded_by_accounts')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_intakes'))
    )
    op.create_index(op.f('ix_intakes_taken_by'), 'intakes', ['taken_by'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_intakes_taken_by'), table_name='intakes')
    op.drop_table('intakes')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('reply_channel')
