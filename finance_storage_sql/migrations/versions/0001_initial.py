"""The initial schema: tenants, users, members, accounts, transfers, transactions.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _tenant_id() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(255), nullable=False)


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("auth_user_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("auth_user_id", name="uq_users_auth_user_id"),
    )
    op.create_table(
        "members",
        _tenant_id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_members"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_members_tenant_id_id"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_members_user_id_users"),
    )
    op.create_index("ix_members_user_id", "members", ["user_id"])
    op.create_table(
        "accounts",
        _tenant_id(),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("account_type", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("initial_balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("min_balance_minor", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_accounts"),
        sa.UniqueConstraint(
            "tenant_id", "id", "currency", name="uq_accounts_tenant_id_id_currency"
        ),
    )
    op.create_table(
        "transfers",
        _tenant_id(),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("from_account_id", sa.BigInteger(), nullable=False),
        sa.Column("to_account_id", sa.BigInteger(), nullable=False),
        sa.Column("from_transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("to_transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("to_currency", sa.String(3), nullable=False),
        sa.Column("to_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_transfers"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "from_account_id", "currency"],
            ["accounts.tenant_id", "accounts.id", "accounts.currency"],
            name="fk_transfers_from_account_accounts",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "to_account_id", "to_currency"],
            ["accounts.tenant_id", "accounts.id", "accounts.currency"],
            name="fk_transfers_to_account_accounts",
        ),
    )
    op.create_index("ix_transfers_from_account", "transfers", ["tenant_id", "from_account_id"])
    op.create_index("ix_transfers_to_account", "transfers", ["tenant_id", "to_account_id"])
    op.create_table(
        "transactions",
        _tenant_id(),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("merchant", sa.String(255), nullable=True),
        sa.Column("location", sa.String(255), nullable=True),
        sa.Column("der_category", sa.String(100), nullable=True),
        sa.Column("der_merchant", sa.String(255), nullable=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("transfer_id", sa.BigInteger(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description_folded", sa.Text(), nullable=True),
        sa.Column("merchant_folded", sa.Text(), nullable=True),
        sa.Column("der_merchant_folded", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_transactions"),
        sa.UniqueConstraint(
            "tenant_id", "account_id", "external_id", name="uq_transactions_account_external_id"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id", "currency"],
            ["accounts.tenant_id", "accounts.id", "accounts.currency"],
            name="fk_transactions_account_accounts",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "transfer_id"],
            ["transfers.tenant_id", "transfers.id"],
            name="fk_transactions_transfer_transfers",
        ),
    )
    op.create_index(
        "ix_transactions_account_date", "transactions", ["tenant_id", "account_id", "date", "id"]
    )
    op.create_index("ix_transactions_date", "transactions", ["tenant_id", "date", "id"])
    op.create_index(
        "ix_transactions_category_date", "transactions", ["tenant_id", "category", "date"]
    )
    op.create_index("ix_transactions_transfer", "transactions", ["tenant_id", "transfer_id"])
    op.create_table(
        "transaction_tags",
        _tenant_id(),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("tag", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "transaction_id", "position", name="pk_transaction_tags"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "transaction_id"],
            ["transactions.tenant_id", "transactions.id"],
            name="fk_transaction_tags_transaction_transactions",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_transaction_tags_tag", "transaction_tags", ["tenant_id", "tag", "transaction_id"]
    )
    op.create_table(
        "transaction_splits",
        _tenant_id(),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "transaction_id", "position", name="pk_transaction_splits"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "transaction_id"],
            ["transactions.tenant_id", "transactions.id"],
            name="fk_transaction_splits_transaction_transactions",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "id_counters",
        _tenant_id(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind", name="pk_id_counters"),
    )
    op.create_table(
        "idempotency_records",
        _tenant_id(),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        _timestamp("created_at"),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotency_records"),
    )
    op.create_index(
        "ix_idempotency_records_created_at", "idempotency_records", ["tenant_id", "created_at"]
    )


def downgrade() -> None:
    for index, table in (
        ("ix_idempotency_records_created_at", "idempotency_records"),
        ("ix_transaction_tags_tag", "transaction_tags"),
        ("ix_transactions_transfer", "transactions"),
        ("ix_transactions_category_date", "transactions"),
        ("ix_transactions_date", "transactions"),
        ("ix_transactions_account_date", "transactions"),
        ("ix_transfers_to_account", "transfers"),
        ("ix_transfers_from_account", "transfers"),
        ("ix_members_user_id", "members"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "idempotency_records",
        "id_counters",
        "transaction_splits",
        "transaction_tags",
        "transactions",
        "transfers",
        "accounts",
        "members",
        "users",
        "tenants",
    ):
        op.drop_table(table)
