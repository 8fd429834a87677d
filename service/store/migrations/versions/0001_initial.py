"""The first schema: deliveries, subject leases, history, notes, report posts, repo rules.

Revision ID: 0001
Revises:
"""

from alembic import op

from service.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The tables as they were in revision 0001. Later revisions alter them with op.* calls;
# they never edit this one.
_TABLES = (
    "deliveries",
    "subject_leases",
    "status_history",
    "issue_notes",
    "report_posts",
    "repo_rules",
)


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, tables=[metadata.tables[name] for name in _TABLES])


def downgrade() -> None:
    bind = op.get_bind()
    metadata.drop_all(bind, tables=[metadata.tables[name] for name in reversed(_TABLES)])
