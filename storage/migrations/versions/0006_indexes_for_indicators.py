"""indexes for indicators

Covering indexes, so the counts of the indicators read an index and never the table rows
(measured on a province's history by benchmarks/indicators.py):
- ratings by time, with the score, unit and field (replaces ix_ratings_rated_at, its
  prefix); and by unit and field, then time, which SQLite reads pair by pair in order
  instead of sorting a year of ratings to group them;
- cases by deadline, with the resolution, unit and field (replaces ix_cases_due_at);
  cases by resolution with their id, for the join with the ratings of their handling
  (replaces ix_cases_resolved_at: PostgreSQL then needs no table row);
- the ratings of the handling by case, with the score, unit and field.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_rated_at')
        batch_op.create_index('ix_ratings_counts', ['rated_at', 'score', 'unit_code', 'field_code'], unique=False)
        batch_op.create_index('ix_ratings_unit_field', ['unit_code', 'field_code', 'rated_at', 'score'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_due_at')
        batch_op.drop_index('ix_cases_resolved_at')
        batch_op.create_index('ix_cases_due_counts', ['due_at', 'resolved_at', 'unit_code', 'field_code'], unique=False)
        batch_op.create_index('ix_cases_resolved_counts', ['resolved_at', 'id'], unique=False)

    with op.batch_alter_table('handling_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_handling_ratings_counts', ['case_id', 'score', 'unit_code', 'field_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handling_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_handling_ratings_counts')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_resolved_counts')
        batch_op.drop_index('ix_cases_due_counts')
        batch_op.create_index('ix_cases_resolved_at', ['resolved_at'], unique=False)
        batch_op.create_index('ix_cases_due_at', ['due_at'], unique=False)

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_unit_field')
        batch_op.drop_index('ix_ratings_counts')
        batch_op.create_index('ix_ratings_rated_at', ['rated_at', 'score'], unique=False)
