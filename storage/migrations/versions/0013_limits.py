"""limits

Token buckets of the limits on anonymous doors (web chat sessions, surveys, PAKN
filings, Open311, sign-in attempts, public pages), shared by every worker.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_buckets',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('stamp', sa.Float(), nullable=False),
    sa.Column('full_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_buckets'))
    )
    with op.batch_alter_table('rate_buckets', schema=None) as batch_op:
        batch_op.create_index('ix_rate_buckets_full_at', ['full_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rate_buckets', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_buckets_full_at')

    op.drop_table('rate_buckets')
