"""Statement schedules, accounts' default people, schedule claims and reminder snoozes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_schedules",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day_rule", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("auto_open", sa.Boolean(), nullable=False),
        sa.Column("remind_user_ids", sa.JSON(), nullable=False),
        sa.Column("remind_days_before", sa.Integer(), nullable=False),
        sa.Column("escalate_after_days", sa.Integer(), nullable=False),
        sa.Column("nudge_after_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_statement_schedules_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_statement_schedules")),
    )
    op.create_table(
        "account_people",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_key", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_account_people_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_people")),
        sa.UniqueConstraint("account_id", "user_id", name="uq_account_people_account_user"),
    )
    op.create_table(
        "schedule_claims",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("collaboration_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("side", sa.String(length=32), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("claimed_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_schedule_claims")),
    )
    op.create_index("ix_schedule_claims_account_kind", "schedule_claims", ["account_id", "kind"])
    op.create_table(
        "reminder_snoozes",
        sa.Column("series", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("reminder_key", sa.String(length=255), nullable=False),
        sa.Column("snoozed_by", sa.String(length=32), nullable=False),
        sa.Column("snoozed_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_reminder_snoozes")),
    )


def downgrade() -> None:
    op.drop_table("reminder_snoozes")
    op.drop_index("ix_schedule_claims_account_kind", table_name="schedule_claims")
    op.drop_table("schedule_claims")
    op.drop_table("account_people")
    op.drop_table("statement_schedules")
