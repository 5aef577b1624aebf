"""Statements and reconciliations.

Revision ID: 0003_statements
Revises: 0001_initial
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_statements"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None


def _account_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "account_id", "currency"],
        ["accounts.tenant_id", "accounts.id", "accounts.currency"],
        name=f"fk_{table}_account_accounts",
    )


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("opening_balance_minor", sa.BigInteger(), nullable=True),
        sa.Column("closing_balance_minor", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_statements"),
        _account_key("statements"),
    )
    op.create_index("ix_statements_account", "statements", ["tenant_id", "account_id"])
    op.create_table(
        "reconciliations",
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_reconciliations"),
        _account_key("reconciliations"),
    )
    op.create_index(
        "ix_reconciliations_account_date",
        "reconciliations",
        ["tenant_id", "account_id", "date"],
    )


def downgrade() -> None:
    op.drop_index("ix_reconciliations_account_date", table_name="reconciliations")
    op.drop_table("reconciliations")
    op.drop_index("ix_statements_account", table_name="statements")
    op.drop_table("statements")
