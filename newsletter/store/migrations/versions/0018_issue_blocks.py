"""issue blocks, PV per AG, annex audience

Revision ID: 0018_issue_blocks
Revises: 0017_reply_notes
Create Date: 2026-12-01 17:04:03

The coordinator's own blocks (text, image, button) between the sections; which AG's PV
goes with each AG of an issue; who gets an annex (everyone, or members only). Existing
annexes that are an AG's PV become the PV of the issue's other AG, for members only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0018_issue_blocks"
down_revision: str | None = "0017_reply_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issue_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column(
            "language",
            sa.Enum("fr", "nl", name="language", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("image_alt", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["files.id"],
            name=op.f("fk_issue_blocks_image_id_files"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_issue_blocks_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_blocks")),
    )
    with op.batch_alter_table("issue_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_blocks_issue_id"), ["issue_id"], unique=False)

    with op.batch_alter_table("issue_annexes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=20), nullable=False, server_default="all")
        )
        batch_op.add_column(sa.Column("for_assembly_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_issue_annexes_for_assembly_id_assemblies"),
            "assemblies",
            ["for_assembly_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("issue_assemblies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_issue_assemblies_minutes_from_id_assemblies"),
            "assemblies",
            ["minutes_from_id"],
            ["id"],
            ondelete="SET NULL",
        )

    _link_minutes()


def _link_minutes() -> None:
    connection = op.get_bind()
    assemblies = sa.table(
        "assemblies",
        sa.column("id", sa.Integer),
        sa.column("minutes_file_id", sa.Integer),
        sa.column("minutes_final_file_id", sa.Integer),
    )
    links = sa.table(
        "issue_assemblies",
        sa.column("id", sa.Integer),
        sa.column("issue_id", sa.Integer),
        sa.column("assembly_id", sa.Integer),
        sa.column("minutes_from_id", sa.Integer),
    )
    annexes = sa.table(
        "issue_annexes",
        sa.column("id", sa.Integer),
        sa.column("issue_id", sa.Integer),
        sa.column("file_id", sa.Integer),
        sa.column("audience", sa.String),
        sa.column("for_assembly_id", sa.Integer),
    )
    owners: dict[int, int] = {}
    for ag_id, draft, final in connection.execute(sa.select(assemblies)).all():
        for file_id in (draft, final):
            if file_id is not None:
                owners[file_id] = ag_id
    announced: dict[int, list[tuple[int, int]]] = {}
    for link_id, issue_id, ag_id, _from in connection.execute(
        sa.select(links).order_by(links.c.id)
    ).all():
        announced.setdefault(issue_id, []).append((link_id, ag_id))
    for annex_id, issue_id, file_id, _audience, _for in connection.execute(
        sa.select(annexes)
    ).all():
        owner = owners.get(file_id)
        if owner is None:
            continue
        target = next((l for l in announced.get(issue_id, []) if l[1] != owner), None)
        if target is None:
            continue
        connection.execute(
            sa.update(annexes)
            .where(annexes.c.id == annex_id)
            .values(audience="members", for_assembly_id=target[1])
        )
        connection.execute(
            sa.update(links).where(links.c.id == target[0]).values(minutes_from_id=owner)
        )


def downgrade() -> None:
    with op.batch_alter_table("issue_assemblies", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_issue_assemblies_minutes_from_id_assemblies"), type_="foreignkey"
        )
        batch_op.drop_column("minutes_from_id")

    with op.batch_alter_table("issue_annexes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_issue_annexes_for_assembly_id_assemblies"), type_="foreignkey"
        )
        batch_op.drop_column("for_assembly_id")
        batch_op.drop_column("audience")

    with op.batch_alter_table("issue_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_blocks_issue_id"))

    op.drop_table("issue_blocks")
