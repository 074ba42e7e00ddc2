"""crm columns: customers and opportunities take the CRM's names and columns (issue 9)

Revision ID: 0006_crm_columns
Revises: 0005_concurrency
Create Date: 2026-12-02 09:00:00.000000

Every change is in place: existing rows keep their data under the new names.

``customer``
* ``segment`` becomes ``customer_type`` (varchar 20 -> 32), its index ``ix_customer_customer_type``;
* ``area`` widens to varchar 32; ``name`` becomes nullable (the CRM's table has none);
* new: the CRM's ``has_dedicated_account_manager``, ``has_dedicated_technical_consultant``,
  ``has_support_contract``, ``has_discounted_pricing`` (NOT NULL, default false: existing
  customers get false);
* dropped: ``is_strategic``, ``is_reference``, ``credit_hold`` (no feature used them).

``crm_opportunities``
* ``status`` -> ``opportunity_status`` (varchar 20 -> 32), ``estimated_monthly_revenue`` ->
  ``monthly_estimated_revenue`` (numeric 12,2 -> 18,2), ``expected_close_date`` ->
  ``estimated_delivery_date``; their indexes (the pipeline covering index included) are
  re-created on the new names, the ``revenue_positive`` check on the new column (MySQL and
  MariaDB refuse to rename a column a CHECK constraint uses, so it is dropped first);
* ``name`` and ``product`` become nullable; new nullable ``opportunity_sales_group`` and
  ``non_recurring`` (varchar 32);
* ``oid`` is compared exactly on MySQL/MariaDB (binary collation), as on SQLite: the CRM's
  OIDs are any varchar 32;
* the foreign key to ``customer`` is ``ON DELETE RESTRICT``, as in the CRM.

The downgrade restores the old names and types. What the old schema cannot hold is changed,
and documented here:
* a NULL customer name becomes ``Customer <cid>``, a NULL opportunity name ``Opportunity <oid>``,
  a NULL product ``unknown`` (the old columns are NOT NULL);
* ``customer_type`` is cut to 20 characters; ``opportunity_sales_group``, ``non_recurring`` and
  the four ``has_*`` flags are dropped; ``is_strategic``, ``is_reference`` and ``credit_hold``
  come back as false (with a server default of false).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0006_crm_columns'
down_revision = '0005_concurrency'
branch_labels = None
depends_on = None

CRM_FLAGS = (
    'has_dedicated_account_manager',
    'has_dedicated_technical_consultant',
    'has_support_contract',
    'has_discounted_pricing',
)
OLD_FLAGS = ('is_strategic', 'is_reference', 'credit_hold')
OID_DEFAULT = sa.String(length=32)
OID_BINARY = sa.String(length=32).with_variant(mysql.VARCHAR(32, collation='utf8mb4_bin'), 'mysql', 'mariadb')
PIPELINE_OLD = ['expected_close_date', 'cid', 'status', 'probability', 'estimated_monthly_revenue']
PIPELINE_NEW = ['estimated_delivery_date', 'cid', 'opportunity_status', 'probability', 'monthly_estimated_revenue']
#: What the downgrade writes where the old NOT NULL columns would get a NULL.
PRODUCT_PLACEHOLDER = 'unknown'


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_segment')
        batch_op.alter_column(
            'segment', new_column_name='customer_type',
            existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False,
        )
        batch_op.alter_column('area', existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False)
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=True)
        for flag in CRM_FLAGS:
            batch_op.add_column(sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False))
        for flag in OLD_FLAGS:
            batch_op.drop_column(flag)
    # Indexes on renamed columns are created after the batch (SQLite's table copy knows the old names).
    op.create_index('ix_customer_customer_type', 'customer', ['customer_type'], unique=False)

    with op.batch_alter_table('crm_opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_opportunities_pipeline')
        batch_op.drop_index('ix_crm_opportunities_status')
        batch_op.drop_index('ix_crm_opportunities_expected_close_date')
        batch_op.drop_constraint(op.f('ck_crm_opportunities_revenue_positive'), type_='check')
        batch_op.drop_constraint('fk_crm_opportunities_cid_customer', type_='foreignkey')
        batch_op.alter_column('oid', existing_type=OID_DEFAULT, type_=OID_BINARY, existing_nullable=False)
        batch_op.alter_column(
            'status', new_column_name='opportunity_status',
            existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False,
        )
        batch_op.alter_column(
            'estimated_monthly_revenue', new_column_name='monthly_estimated_revenue',
            existing_type=sa.Numeric(precision=12, scale=2), type_=sa.Numeric(precision=18, scale=2),
            existing_nullable=False,
        )
        batch_op.alter_column(
            'expected_close_date', new_column_name='estimated_delivery_date',
            existing_type=sa.Date(), existing_nullable=False,
        )
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=True)
        batch_op.alter_column('product', existing_type=sa.String(length=20), nullable=True)
        batch_op.add_column(sa.Column('opportunity_sales_group', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('non_recurring', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            'fk_crm_opportunities_cid_customer', 'customer', ['cid'], ['cid'], ondelete='RESTRICT'
        )
        batch_op.create_check_constraint(op.f('ck_crm_opportunities_revenue_positive'), 'monthly_estimated_revenue > 0')
    op.create_index('ix_crm_opportunities_opportunity_status', 'crm_opportunities', ['opportunity_status'], unique=False)
    op.create_index(
        'ix_crm_opportunities_estimated_delivery_date', 'crm_opportunities', ['estimated_delivery_date'], unique=False
    )
    op.create_index('ix_crm_opportunities_pipeline', 'crm_opportunities', PIPELINE_NEW, unique=False)


def _fill_placeholders():
    """Values for the NULLs the old NOT NULL columns cannot hold (see the module docstring)."""
    customer = sa.table('customer', sa.column('cid', sa.Integer()), sa.column('name', sa.String()))
    opportunity = sa.table(
        'crm_opportunities', sa.column('oid', sa.String()), sa.column('name', sa.String()),
        sa.column('product', sa.String()),
    )
    # `+` on strings is `||` on SQLite and CONCAT() on MySQL/MariaDB.
    op.execute(
        customer.update().where(customer.c.name.is_(None))
        .values(name=sa.literal('Customer ') + sa.cast(customer.c.cid, sa.String()))
    )
    op.execute(
        opportunity.update().where(opportunity.c.name.is_(None))
        .values(name=sa.literal('Opportunity ') + opportunity.c.oid)
    )
    op.execute(opportunity.update().where(opportunity.c.product.is_(None)).values(product=PRODUCT_PLACEHOLDER))
    customer_type = sa.table('customer', sa.column('customer_type', sa.String()))
    op.execute(
        customer_type.update().where(sa.func.length(customer_type.c.customer_type) > 20)
        .values(customer_type=sa.func.substr(customer_type.c.customer_type, 1, 20))
    )


def downgrade():
    _fill_placeholders()

    with op.batch_alter_table('crm_opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_opportunities_pipeline')
        batch_op.drop_index('ix_crm_opportunities_estimated_delivery_date')
        batch_op.drop_index('ix_crm_opportunities_opportunity_status')
        batch_op.drop_constraint(op.f('ck_crm_opportunities_revenue_positive'), type_='check')
        batch_op.drop_constraint('fk_crm_opportunities_cid_customer', type_='foreignkey')
        batch_op.drop_column('non_recurring')
        batch_op.drop_column('opportunity_sales_group')
        batch_op.alter_column('product', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column(
            'estimated_delivery_date', new_column_name='expected_close_date',
            existing_type=sa.Date(), existing_nullable=False,
        )
        batch_op.alter_column(
            'monthly_estimated_revenue', new_column_name='estimated_monthly_revenue',
            existing_type=sa.Numeric(precision=18, scale=2), type_=sa.Numeric(precision=12, scale=2),
            existing_nullable=False,
        )
        batch_op.alter_column(
            'opportunity_status', new_column_name='status',
            existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False,
        )
        batch_op.alter_column('oid', existing_type=OID_BINARY, type_=OID_DEFAULT, existing_nullable=False)
        batch_op.create_foreign_key('fk_crm_opportunities_cid_customer', 'customer', ['cid'], ['cid'])
        batch_op.create_check_constraint(op.f('ck_crm_opportunities_revenue_positive'), 'estimated_monthly_revenue > 0')
    op.create_index('ix_crm_opportunities_expected_close_date', 'crm_opportunities', ['expected_close_date'], unique=False)
    op.create_index('ix_crm_opportunities_status', 'crm_opportunities', ['status'], unique=False)
    op.create_index('ix_crm_opportunities_pipeline', 'crm_opportunities', PIPELINE_OLD, unique=False)

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_customer_type')
        for flag in OLD_FLAGS:
            batch_op.add_column(sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False))
        for flag in CRM_FLAGS:
            batch_op.drop_column(flag)
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('area', existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False)
        batch_op.alter_column(
            'customer_type', new_column_name='segment',
            existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False,
        )
    op.create_index('ix_customer_segment', 'customer', ['segment'], unique=False)
