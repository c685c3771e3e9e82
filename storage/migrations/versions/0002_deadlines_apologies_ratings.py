"""deadlines apologies ratings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides'))
    )
    op.create_table('handling_ratings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('field_code', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_handling_ratings_case_id_cases')),
    sa.ForeignKeyConstraint(['staff_id'], ['accounts.id'], name=op.f('fk_handling_ratings_staff_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handling_ratings')),
    sa.UniqueConstraint('case_id', name=op.f('uq_handling_ratings_case_id'))
    )
    with op.batch_alter_table('handling_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_handling_ratings_pending', ['rated_at', 'asked_at'], unique=False)

    op.create_table('apologies',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('new_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('official_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('official_name', sa.String(length=200), nullable=False),
    sa.Column('official_title', sa.String(length=200), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_apologies_case_id_cases')),
    sa.ForeignKeyConstraint(['document_id'], ['attachments.id'], name=op.f('fk_apologies_document_id_attachments')),
    sa.ForeignKeyConstraint(['official_id'], ['accounts.id'], name=op.f('fk_apologies_official_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apologies')),
    sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_apologies_case_id'))
    )
    with op.batch_alter_table('apologies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apologies_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filename', sa.String(length=200), nullable=True))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transfer_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extended_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_status_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_due')
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('extended_due_at')
        batch_op.drop_column('transfer_due_at')
        batch_op.drop_column('routed_at')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('filename')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('title')

    with op.batch_alter_table('apologies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apologies_case_id'))

    op.drop_table('apologies')
    with op.batch_alter_table('handling_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_handling_ratings_pending')

    op.drop_table('handling_ratings')
    op.drop_table('calendar_overrides')
