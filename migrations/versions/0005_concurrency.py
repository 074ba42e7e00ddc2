"""concurrency: opportunity version counter; idempotency keys per client, compared exactly

Revision ID: 0005_concurrency
Revises: 0004_revenue
Create Date: 2026-12-01 19:40:00.000000

* ``crm_opportunities.version``: the ETag / If-Match counter; existing rows start at 1.
* ``idempotency_keys``: the key's identity becomes (client, key), ``client`` being the
  fingerprint of the bearer token that sent it; existing keys belong to "" (no token), so
  a retry of a request sent before the upgrade with a token creates anew (keys live 24 h).
  On MySQL/MariaDB the key gets a binary collation (``Abc`` is not ``abc``).

Downgrading empties ``idempotency_keys``: keys of several clients, or differing only in
case, would collide in the old single-column, case-insensitive primary key. They are a
24-hour retry cache; only a retry in flight during the downgrade is affected.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0005_concurrency'
down_revision = '0004_revenue'
branch_labels = None
depends_on = None

KEY_BINARY = sa.String(length=255).with_variant(mysql.VARCHAR(255, collation='utf8mb4_bin'), 'mysql', 'mariadb')
KEY_DEFAULT = sa.String(length=255)


def upgrade():
    with op.batch_alter_table('crm_opportunities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sa.String(length=64), server_default=sa.text("''"), nullable=False))
        batch_op.drop_constraint('pk_idempotency_keys', type_='primary')
        batch_op.alter_column('key', existing_type=KEY_DEFAULT, type_=KEY_BINARY, existing_nullable=False)
        batch_op.create_primary_key('pk_idempotency_keys', ['client', 'key'])


def downgrade():
    op.execute(sa.text('DELETE FROM idempotency_keys'))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_constraint('pk_idempotency_keys', type_='primary')
        batch_op.alter_column('key', existing_type=KEY_BINARY, type_=KEY_DEFAULT, existing_nullable=False)
        batch_op.drop_column('client')
        batch_op.create_primary_key('pk_idempotency_keys', ['key'])

    with op.batch_alter_table('crm_opportunities', schema=None) as batch_op:
        batch_op.drop_column('version')
