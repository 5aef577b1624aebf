"""Planning: schedules, their occurrence links and changes, and budgets.

Revision ID: 0004_planning
Revises: 0003_statements
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004_planning"
down_revision: str | None = "0003_statements"
branch_labels: str | None = None
depends_on: str | None = None


def _tenant_id() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(255), nullable=False)


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _schedule_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "schedule_id"],
        ["schedules.tenant_id", "schedules.id"],
        name=f"fk_{table}_schedule_schedules",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "schedules",
        _tenant_id(),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_schedules"),
    )
    op.create_table(
        "schedule_links",
        _tenant_id(),
        sa.Column("schedule_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled", sa.Date(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("tenant_id", "schedule_id", "scheduled", name="pk_schedule_links"),
        sa.UniqueConstraint("tenant_id", "transaction_id", name="uq_schedule_links_transaction"),
        _schedule_key("schedule_links"),
    )
    op.create_table(
        "schedule_changes",
        _tenant_id(),
        sa.Column("schedule_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled", sa.Date(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint(
            "tenant_id", "schedule_id", "scheduled", name="pk_schedule_changes"
        ),
        _schedule_key("schedule_changes"),
    )
    op.create_table(
        "budgets",
        _tenant_id(),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("tag", sa.String(50), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("start_day", sa.SmallInteger(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("amounts", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_budgets"),
    )


def downgrade() -> None:
    for table in ("budgets", "schedule_changes", "schedule_links", "schedules"):
        op.drop_table(table)
