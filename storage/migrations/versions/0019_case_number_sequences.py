"""case numbers from a sequence per year on PostgreSQL

The next tracking number of a year came from the row `case:<year>` of `counters`,
locked by its UPDATE until commit: every transaction filing a case waited for the one
before it to end. On PostgreSQL each year now has a sequence, `case_number_<year>`,
made here for the years already counted (continuing where their counter stopped) and
otherwise by whoever numbers the year's first case (storage.cases). A sequence is never
locked, so a number given to a transaction that rolls back is not given again: a gap,
never a duplicate. SQLite, which writes one transaction at a time anyway, keeps the
counter. The format of the numbers does not change.

The previous version may still serve while this one starts (README, "Upgrade"): it
counts in `counters`, so a trigger there draws its case numbers from the same
sequences, and the two versions never give one number twice. The release after drops
the trigger and the `case:` rows, as a contraction of its own.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    counted = bind.execute(sa.text(
        "SELECT name, value FROM counters WHERE name LIKE 'case:%'")).all()
    for name, value in counted:
        year = int(name.removeprefix('case:'))
        op.execute(f'CREATE SEQUENCE case_number_{year} MINVALUE 1 START {value + 1}')
    op.execute("""
        CREATE FUNCTION case_number_from_sequence() RETURNS trigger AS $$
        DECLARE sequence text := 'case_number_' || substr(NEW.name, 6);
        BEGIN
            IF NEW.name LIKE 'case:%' THEN
                EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I MINVALUE 1', sequence);
                NEW.value := nextval(sequence);
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""")
    op.execute("CREATE TRIGGER counters_case_numbers BEFORE INSERT OR UPDATE ON counters "
               "FOR EACH ROW EXECUTE FUNCTION case_number_from_sequence()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER counters_case_numbers ON counters")
    op.execute("DROP FUNCTION case_number_from_sequence()")
    sequences = bind.execute(sa.text(
        "SELECT sequencename, last_value FROM pg_sequences "
        "WHERE schemaname = current_schema() AND sequencename LIKE 'case\\_number\\_%'")).all()
    for name, last in sequences:
        year = int(name.removeprefix('case_number_'))
        if last is not None:  # null: the sequence never gave a number
            bind.execute(sa.text(
                "INSERT INTO counters (name, value) VALUES (:name, :value) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                {"name": f"case:{year}", "value": last})
        op.execute(f'DROP SEQUENCE {name}')
