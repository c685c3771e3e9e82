"""directory lifetimes and successors

Units get the days they start and end, and a table of the units that took over from
each unit that ended, so that older records can be counted as organised now.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('effective_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('effective_to', sa.Date(), nullable=True))
    op.create_table('unit_successors',
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('successor_code', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_code', 'successor_code', name=op.f('pk_unit_successors'))
    )


def downgrade() -> None:
    op.drop_table('unit_successors')
    with op.batch_alter_table('units') as batch:
        batch.drop_column('effective_to')
        batch.drop_column('effective_from')
