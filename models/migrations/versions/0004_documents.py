"""Documents, their versions, document requests and their fulfilments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_documents_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("collaboration_id", "side", "name_key", name="uq_documents_collaboration_side_name"),
    )
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_type", sa.String(length=16), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=True),
        sa.Column("uploaded_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("turn_number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("slack_file_id", sa.String(length=32), nullable=True),
        sa.Column("source_file_id", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_turn", sa.Integer(), nullable=True),
        sa.Column("published_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_versions_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_document_versions_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint("document_id", "number", name="uq_document_versions_document_number"),
        sa.UniqueConstraint("collaboration_id", "slack_file_id", name="uq_document_versions_collaboration_file"),
    )
    op.create_index(
        "ix_document_versions_collaboration_turn", "document_versions", ["collaboration_id", "published_turn"]
    )
    op.create_table(
        "document_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("origin_collaboration_id", sa.Integer(), nullable=True),
        sa.Column("origin_number", sa.Integer(), nullable=True),
        sa.Column("origin_period", sa.String(length=7), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("reference_numbers", sa.JSON(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("requester_side", sa.String(length=32), nullable=False),
        sa.Column("addressed_side", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("filed_turn", sa.Integer(), nullable=False),
        sa.Column("published_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_document_requests_collaboration_id_collaborations"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_document_requests_origin_collaboration_id_collaborations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_requests")),
        sa.UniqueConstraint("collaboration_id", "number", name="uq_document_requests_collaboration_number"),
    )
    op.create_index("ix_document_requests_card_ts", "document_requests", ["card_ts"])
    op.create_table(
        "request_fulfilments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("fulfilled_by", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.Column("turn_number", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["document_requests.id"],
            name=op.f("fk_request_fulfilments_request_id_document_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_fulfilments")),
    )
    op.create_index("ix_request_fulfilments_request", "request_fulfilments", ["request_id"])
    op.create_table(
        "fulfilment_versions",
        sa.Column("fulfilment_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["request_fulfilments.id"],
            name=op.f("fk_fulfilment_versions_fulfilment_id_request_fulfilments"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_fulfilment_versions_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("fulfilment_id", "version_id", name=op.f("pk_fulfilment_versions")),
    )


def downgrade() -> None:
    op.drop_table("fulfilment_versions")
    op.drop_index("ix_request_fulfilments_request", table_name="request_fulfilments")
    op.drop_table("request_fulfilments")
    op.drop_index("ix_document_requests_card_ts", table_name="document_requests")
    op.drop_table("document_requests")
    op.drop_index("ix_document_versions_collaboration_turn", table_name="document_versions")
    op.drop_table("document_versions")
    op.drop_table("documents")
