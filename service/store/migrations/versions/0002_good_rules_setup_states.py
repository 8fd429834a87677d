"""Last good repository rules kept apart from the last text seen; setup states in the store.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("repo_rules") as batch:
        batch.add_column(sa.Column("good_source", sa.Text(), nullable=True))
        batch.add_column(sa.Column("good_sha", sa.String(length=64), nullable=True))
    # Rows written before this revision kept the last good text in `source` when `error` was
    # empty; carry it over so the first start after the upgrade keeps those rules.
    op.execute(
        "UPDATE repo_rules SET good_source = source, good_sha = sha "
        "WHERE error IS NULL AND source IS NOT NULL"
    )
    op.create_table(
        "setup_states",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_index("ix_setup_states_expires", "setup_states", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_setup_states_expires", table_name="setup_states")
    op.drop_table("setup_states")
    with op.batch_alter_table("repo_rules") as batch:
        batch.drop_column("good_sha")
        batch.drop_column("good_source")
