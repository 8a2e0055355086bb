"""Collaborations: accounts, collaborations, participants, turns, drafts and the event chain.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_number", sa.String(length=64), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("guest_team_key", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_accounts_channel_id")),
    )
    op.create_table(
        "collaborations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("turn_number", sa.Integer(), nullable=False),
        sa.Column("holding_side", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("host_name", sa.String(length=200), nullable=False),
        sa.Column("guest_name", sa.String(length=200), nullable=False),
        sa.Column("host_team_key", sa.String(length=32), nullable=False),
        sa.Column("guest_team_key", sa.String(length=32), nullable=True),
        sa.Column("guest_contact_user_id", sa.String(length=32), nullable=True),
        sa.Column("guest_contact_email", sa.String(length=320), nullable=True),
        sa.Column("invite_status", sa.String(length=32), nullable=False),
        sa.Column("host_signed_off_by", sa.String(length=32), nullable=True),
        sa.Column("guest_signed_off_by", sa.String(length=32), nullable=True),
        sa.Column("rolled_into_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("wrapped_up_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_collaborations_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["rolled_into_id"],
            ["collaborations.id"],
            name=op.f("fk_collaborations_rolled_into_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaborations")),
    )
    op.create_index("ix_collaborations_account_id", "collaborations", ["account_id"])
    op.create_index("ix_collaborations_channel_status", "collaborations", ["channel_id", "status"])
    op.create_index(
        "uq_collaborations_one_active_per_channel",
        "collaborations",
        ["channel_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("team_key", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=True),
        sa.Column("joined_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_participants_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
        sa.UniqueConstraint("collaboration_id", "user_id", name="uq_participants_collaboration_user"),
    )
    op.create_index("ix_participants_user", "participants", ["user_id", "active"])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("started_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.Column("end_kind", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_id"], ["collaborations.id"], name=op.f("fk_turns_collaboration_id_collaborations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turns")),
        sa.UniqueConstraint("collaboration_id", "number", name="uq_turns_collaboration_number"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("turn_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_drafts_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
    )
    op.create_index("ix_drafts_collaboration_side", "drafts", ["collaboration_id", "side", "id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.String(length=32), nullable=True),
        sa.Column("side", sa.String(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_events_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("collaboration_id", "seq", name="uq_events_collaboration_seq"),
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_index("ix_drafts_collaboration_side", table_name="drafts")
    op.drop_table("drafts")
    op.drop_table("turns")
    op.drop_index("ix_participants_user", table_name="participants")
    op.drop_table("participants")
    op.drop_index("uq_collaborations_one_active_per_channel", table_name="collaborations")
    op.drop_index("ix_collaborations_channel_status", table_name="collaborations")
    op.drop_index("ix_collaborations_account_id", table_name="collaborations")
    op.drop_table("collaborations")
    op.drop_table("accounts")
