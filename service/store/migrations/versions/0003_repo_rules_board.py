"""A repository's rules name its board (`board: ORG/NUMBER`) and the installation that sees it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("repo_rules") as batch:
        batch.add_column(sa.Column("board", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("installation_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_repo_rules_board", ["board"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repo_rules") as batch:
        batch.drop_index("ix_repo_rules_board")
        batch.drop_column("installation_id")
        batch.drop_column("board")
