"""files: ids never reused, a random key per file, kinds, upload quota

The attachments table gets AUTOINCREMENT on SQLite (recreated by a batch migration; on
PostgreSQL a sequence never gives an id twice), a random key per file that signed links
bind, and a kind: a person's upload, a document made for a person, or an export for
administrators. Files already kept get a key each; exports are recognised by their type
(XLSX, CSV), documents by their name. Uploads are counted per subject and clock hour.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPORT_TYPES = ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                'text/csv')


def _recreate() -> str:
    return 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                      server_default='upload'))
    attachments = sa.table('attachments', sa.column('id', sa.Integer),
                           sa.column('key', sa.String), sa.column('kind', sa.String),
                           sa.column('mime', sa.String), sa.column('filename', sa.String))
    connection = op.get_bind()
    for (attachment_id,) in connection.execute(sa.select(attachments.c.id)).all():
        connection.execute(attachments.update().where(attachments.c.id == attachment_id)
                           .values(key=secrets.token_urlsafe(16)))
    connection.execute(attachments.update().where(attachments.c.mime.in_(EXPORT_TYPES))
                       .values(kind='export'))
    connection.execute(attachments.update().where(attachments.c.kind == 'upload',
                                                  attachments.c.filename.is_not(None))
                       .values(kind='document'))
    with op.batch_alter_table('attachments', schema=None, recreate=_recreate(),
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=16), server_default=None)
        batch_op.create_index(batch_op.f('ix_attachments_kind'), ['kind'], unique=False)

    op.create_table('upload_quota',
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploads', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'hour', name=op.f('pk_upload_quota'))
    )


def downgrade() -> None:
    op.drop_table('upload_quota')
    with op.batch_alter_table('attachments', schema=None, recreate=_recreate(),
                              table_kwargs={'sqlite_autoincrement': False}) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_kind'))
        batch_op.drop_column('kind')
        batch_op.drop_column('key')
