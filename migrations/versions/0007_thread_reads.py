"""thread reads: each participant's read marker and the thread's message count at it

Revision ID: 0007_thread_reads
Revises: 0006_crm_columns
Create Date: 2026-12-02 10:00:00.000000

* ``thread_participants.last_read_message_id``: the id of the last message the user has read
  (0: none); ``thread_participants.read_count``: the thread's ``message_count`` at that marker,
  so the unread count is ``threads.message_count - read_count`` without counting messages.
* Existing participants start with everything read: their marker is their thread's last
  message at migration time (``last_message_id``, 0 in a thread without messages) and their
  ``read_count`` its ``message_count``. Starting from "nothing read" would greet every user of
  an upgraded server with every old message as unread.

Touches only the threads tables. Downgrading drops the two columns (the markers are lost).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_thread_reads'
down_revision = '0006_crm_columns'
branch_labels = None
depends_on = None

MESSAGE_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('thread_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_read_message_id', MESSAGE_ID, server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('read_count', sa.Integer(), server_default=sa.text('0'), nullable=False))

    op.execute(
        sa.text(
            'UPDATE thread_participants SET'
            ' last_read_message_id = (SELECT COALESCE(threads.last_message_id, 0) FROM threads'
            ' WHERE threads.id = thread_participants.thread_id),'
            ' read_count = (SELECT threads.message_count FROM threads WHERE threads.id = thread_participants.thread_id)'
        )
    )


def downgrade():
    with op.batch_alter_table('thread_participants', schema=None) as batch_op:
        batch_op.drop_column('read_count')
        batch_op.drop_column('last_read_message_id')
