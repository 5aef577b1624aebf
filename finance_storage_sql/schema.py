"""The tables, as SQLAlchemy Core: the single source the migrations must agree with.

Tenancy is in the schema: every table of tenant data carries ``tenant_id`` as
the first column of its primary key, of every unique constraint and of every
foreign key, so a row can only ever point at rows of its own tenant. Only the
``tenants`` and ``users`` directory tables stand outside.

Money is stored as BIGINT counts of the currency's minor unit (``amount_minor``)
next to the currency code, so every amount the domain accepts is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

#: Longest tenant id the domain accepts (``check_tenant_id``).
TENANT_ID_LENGTH = 255


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back as aware UTC datetimes.

    PostgreSQL keeps them in ``timestamptz``; SQLite has no time zone type, so
    the value is converted to UTC and stored naive, which keeps the text form
    sortable. A naive datetime is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tenant_id() -> Column[str]:
    return Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False)


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(TENANT_ID_LENGTH), nullable=False),
    Column("name", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("id", name="pk_tenants"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, nullable=False, autoincrement=True),
    # Identity-provider subjects have no agreed length limit.
    Column("auth_user_id", Text, nullable=False),
    PrimaryKeyConstraint("id", name="pk_users"),
    UniqueConstraint("auth_user_id", name="uq_users_auth_user_id"),
)

members = Table(
    "members",
    metadata,
    _tenant_id(),
    Column("user_id", Integer, nullable=False),
    Column("id", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "user_id", name="pk_members"),
    UniqueConstraint("tenant_id", "id", name="uq_members_tenant_id_id"),
    ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_members_user_id_users"),
    # The one cross-tenant read: every tenant a user belongs to.
    Index("ix_members_user_id", "user_id"),
)

accounts = Table(
    "accounts",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("name", String(255), nullable=False),
    Column("account_type", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("initial_balance_minor", BigInteger, nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("min_balance_minor", BigInteger, nullable=True),
    Column("created_by", Integer, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_accounts"),
    # Lets rows that hold amounts reference (account, currency) together, so an
    # amount can never be read with a currency other than its account's.
    UniqueConstraint("tenant_id", "id", "currency", name="uq_accounts_tenant_id_id_currency"),
)

transfers = Table(
    "transfers",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("from_account_id", BigInteger, nullable=False),
    Column("to_account_id", BigInteger, nullable=False),
    Column("from_transaction_id", BigInteger, nullable=False),
    Column("to_transaction_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("to_currency", String(3), nullable=False),
    Column("to_amount_minor", BigInteger, nullable=False),
    Column("date", Date, nullable=False),
    Column("description", String(1000), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_transfers"),
    ForeignKeyConstraint(
        ["tenant_id", "from_account_id", "currency"],
        ["accounts.tenant_id", "accounts.id", "accounts.currency"],
        name="fk_transfers_from_account_accounts",
    ),
    ForeignKeyConstraint(
        ["tenant_id", "to_account_id", "to_currency"],
        ["accounts.tenant_id", "accounts.id", "accounts.currency"],
        name="fk_transfers_to_account_accounts",
    ),
    Index("ix_transfers_from_account", "tenant_id", "from_account_id"),
    Index("ix_transfers_to_account", "tenant_id", "to_account_id"),
)

transactions = Table(
    "transactions",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("date", Date, nullable=False),
    Column("category", String(100), nullable=False),
    Column("description", String(1000), nullable=True),
    Column("merchant", String(255), nullable=True),
    Column("location", String(255), nullable=True),
    Column("der_category", String(100), nullable=True),
    Column("der_merchant", String(255), nullable=True),
    Column("external_id", String(255), nullable=True),
    Column("transfer_id", BigInteger, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    # Case-folded copies (Python's str.casefold) of the searchable text: the
    # substring filters then match the reference semantics for every alphabet,
    # whatever the database's own lower() does with non-ASCII letters.
    Column("description_folded", Text, nullable=True),
    Column("merchant_folded", Text, nullable=True),
    Column("der_merchant_folded", Text, nullable=True),
    # Which rule set which field ({"category": 3}, null when none) and which
    # fields a person gave (["merchant"]; null for rows stored before this was
    # recorded, whose every field with a value counts as given), as JSON text.
    Column("rule_fields", Text, nullable=True),
    Column("person_fields", Text, nullable=True),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_transactions"),
    UniqueConstraint(
        "tenant_id", "account_id", "external_id", name="uq_transactions_account_external_id"
    ),
    ForeignKeyConstraint(
        ["tenant_id", "account_id", "currency"],
        ["accounts.tenant_id", "accounts.id", "accounts.currency"],
        name="fk_transactions_account_accounts",
    ),
    ForeignKeyConstraint(
        ["tenant_id", "transfer_id"],
        ["transfers.tenant_id", "transfers.id"],
        name="fk_transactions_transfer_transfers",
    ),
    # Lists of one account and their keyset pages; the balance as of a date.
    Index("ix_transactions_account_date", "tenant_id", "account_id", "date", "id"),
    # Lists across all accounts and their keyset pages; per-month aggregation.
    Index("ix_transactions_date", "tenant_id", "date", "id"),
    # Per-category aggregation over a date range.
    Index("ix_transactions_category_date", "tenant_id", "category", "date"),
    # Deleting a transfer checks for legs still pointing at it.
    Index("ix_transactions_transfer", "tenant_id", "transfer_id"),
)

transaction_tags = Table(
    "transaction_tags",
    metadata,
    _tenant_id(),
    Column("transaction_id", BigInteger, nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("tag", String(50), nullable=False),
    PrimaryKeyConstraint("tenant_id", "transaction_id", "position", name="pk_transaction_tags"),
    ForeignKeyConstraint(
        ["tenant_id", "transaction_id"],
        ["transactions.tenant_id", "transactions.id"],
        name="fk_transaction_tags_transaction_transactions",
        ondelete="CASCADE",
    ),
    # The tag filter: exact tags of one tenant, straight to their transactions.
    Index("ix_transaction_tags_tag", "tenant_id", "tag", "transaction_id"),
)

transaction_splits = Table(
    "transaction_splits",
    metadata,
    _tenant_id(),
    Column("transaction_id", BigInteger, nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("category", String(100), nullable=False),
    # In the currency of the transaction it belongs to.
    Column("amount_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "transaction_id", "position", name="pk_transaction_splits"),
    ForeignKeyConstraint(
        ["tenant_id", "transaction_id"],
        ["transactions.tenant_id", "transactions.id"],
        name="fk_transaction_splits_transaction_transactions",
        ondelete="CASCADE",
    ),
)

id_counters = Table(
    "id_counters",
    metadata,
    _tenant_id(),
    Column("kind", String(32), nullable=False),
    Column("last", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "kind", name="pk_id_counters"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    _tenant_id(),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotency_records"),
    # Purging old keys.
    Index("ix_idempotency_records_created_at", "tenant_id", "created_at"),
)

categorization_rules = Table(
    "categorization_rules",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("position", Integer, nullable=False),
    Column("stop", Boolean, nullable=False),
    # The canonical JSON of the condition tree and the action list.
    Column("conditions", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_categorization_rules"),
    UniqueConstraint("tenant_id", "name", name="uq_categorization_rules_tenant_id_name"),
)

# -- planning: schedules and budgets ------------------------------------------------
# A schedule's revisions and a budget's amounts are small, always read whole and
# never filtered on, so they are stored as JSON text next to the row.
schedules = Table(
    "schedules",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("name", String(255), nullable=False),
    Column("terms", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_schedules"),
)

# The primary key is what makes posting idempotent: one transaction per
# schedule and nominal date, whichever process tries to post it.
schedule_links = Table(
    "schedule_links",
    metadata,
    _tenant_id(),
    Column("schedule_id", BigInteger, nullable=False),
    Column("scheduled", Date, nullable=False),
    Column("transaction_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "schedule_id", "scheduled", name="pk_schedule_links"),
    UniqueConstraint("tenant_id", "transaction_id", name="uq_schedule_links_transaction"),
    ForeignKeyConstraint(
        ["tenant_id", "schedule_id"],
        ["schedules.tenant_id", "schedules.id"],
        name="fk_schedule_links_schedule_schedules",
        ondelete="CASCADE",
    ),
)

schedule_changes = Table(
    "schedule_changes",
    metadata,
    _tenant_id(),
    Column("schedule_id", BigInteger, nullable=False),
    Column("scheduled", Date, nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_date", Date, nullable=True),
    PrimaryKeyConstraint("tenant_id", "schedule_id", "scheduled", name="pk_schedule_changes"),
    ForeignKeyConstraint(
        ["tenant_id", "schedule_id"],
        ["schedules.tenant_id", "schedules.id"],
        name="fk_schedule_changes_schedule_schedules",
        ondelete="CASCADE",
    ),
)

budgets = Table(
    "budgets",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("name", String(255), nullable=False),
    Column("category", String(100), nullable=True),
    Column("tag", String(50), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("period", String(16), nullable=False),
    Column("start_day", SmallInteger, nullable=False),
    Column("start", Date, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("account_id", BigInteger, nullable=True),
    Column("amounts", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_budgets"),
)

statements = Table(
    "statements",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
    Column("opening_balance_minor", BigInteger, nullable=True),
    Column("closing_balance_minor", BigInteger, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_statements"),
    ForeignKeyConstraint(
        ["tenant_id", "account_id", "currency"],
        ["accounts.tenant_id", "accounts.id", "accounts.currency"],
        name="fk_statements_account_accounts",
    ),
    Index("ix_statements_account", "tenant_id", "account_id"),
)

reconciliations = Table(
    "reconciliations",
    metadata,
    _tenant_id(),
    Column("id", BigInteger, nullable=False, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("date", Date, nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", Integer, nullable=True),
    PrimaryKeyConstraint("tenant_id", "id", name="pk_reconciliations"),
    ForeignKeyConstraint(
        ["tenant_id", "account_id", "currency"],
        ["accounts.tenant_id", "accounts.id", "accounts.currency"],
        name="fk_reconciliations_account_accounts",
    ),
    # Every write checks the account's latest reconciliation.
    Index("ix_reconciliations_account_date", "tenant_id", "account_id", "date"),
)
