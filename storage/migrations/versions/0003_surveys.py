"""surveys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ratings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('field_code', sa.String(length=64), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('dossier', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_ratings_source'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_field', ['field_code', 'rated_at'], unique=False)
        batch_op.create_index('ix_ratings_rated_at', ['rated_at', 'score'], unique=False)
        batch_op.create_index('ix_ratings_unit', ['unit_code', 'rated_at'], unique=False)

    op.create_table('survey_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('desk', sa.String(length=100), nullable=True),
    sa.Column('dossier', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_survey_tokens_token_hash'))
    )
    op.create_table('survey_drafts',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_survey_drafts_account_id_accounts')),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_survey_drafts'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_resolved_at', ['resolved_at'], unique=False)

    # Office documents have long MIME types (an XLSX export's is 65 characters).
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('mime', existing_type=sa.String(length=64),
                              type_=sa.String(length=128), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('mime', existing_type=sa.String(length=128),
                              type_=sa.String(length=64), existing_nullable=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_resolved_at')

    op.drop_table('survey_drafts')
    op.drop_table('survey_tokens')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_unit')
        batch_op.drop_index('ix_ratings_rated_at')
        batch_op.drop_index('ix_ratings_field')

    op.drop_table('ratings')
