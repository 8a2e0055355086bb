"""Microsoft 365: accounts' SharePoint folders, statement files picked up, archives filed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_sharepoint",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("statement_folder_url", sa.Text(), nullable=True),
        sa.Column("file_pattern", sa.String(length=200), nullable=True),
        sa.Column("archive_folder_url", sa.Text(), nullable=True),
        sa.Column("delta_drive_id", sa.String(length=200), nullable=True),
        sa.Column("delta_link", sa.Text(), nullable=True),
        sa.Column("checked_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("checked_collaboration_id", sa.Integer(), nullable=True),
        sa.Column("listed_collaboration_id", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_sharepoint_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_sharepoint")),
    )
    op.create_table(
        "statement_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("version_tag", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("collaboration_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("web_url", sa.Text(), nullable=True),
        sa.Column("seen_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_statement_files_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_statement_files_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_files")),
        sa.UniqueConstraint("account_id", "drive_id", "item_id", "version_tag", name="uq_statement_files_item_version"),
    )
    op.create_table(
        "archive_filings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("up_to_seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("web_url", sa.Text(), nullable=False),
        sa.Column("drive_id", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filed_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_archive_filings_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_filings")),
        sa.UniqueConstraint("collaboration_id", "up_to_seq", name="uq_archive_filings_collaboration_seq"),
    )


def downgrade() -> None:
    op.drop_table("archive_filings")
    op.drop_table("statement_files")
    op.drop_table("account_sharepoint")
