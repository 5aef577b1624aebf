"""Categorization rules, and which rule or person set each transaction field.

Revision ID: 0005_rules
Revises: 0004_planning
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_rules"
down_revision: str | None = "0004_planning"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "categorization_rules",
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stop", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_categorization_rules"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_categorization_rules_tenant_id_name"),
    )
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("rule_fields", sa.Text(), nullable=True))
        batch.add_column(sa.Column("person_fields", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("person_fields")
        batch.drop_column("rule_fields")
    op.drop_table("categorization_rules")
