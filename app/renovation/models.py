"""Renovation permits (装修) with their workers, extensions, documents and rectification notices (整改通知)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

# applied → approved (engineering, 2 working days) → completion_requested → accepted (initial acceptance passed,
# re-check due 30 days later) → refundable (deposit may be returned). "Active" is approved within its dates.
PERMIT_STATUSES = ("applied", "approved", "rejected", "withdrawn", "completion_requested", "accepted", "refundable")
DOCUMENT_KINDS = ("application", "drawing", "hot_work_permit", "id_copy", "other")
NOTICE_STATUSES = ("open", "closed", "escalated")
NOTICE_SEVERITIES = ("major", "minor")


class RenovationPermit(db.Model):
    __tablename__ = "renovation_permits"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="applied")
    owner_name: Mapped[str] = mapped_column(String(120))
    owner_phone: Mapped[str] = mapped_column(String(32))
    contractor_name: Mapped[str] = mapped_column(String(120))
    contractor_person: Mapped[str] = mapped_column(String(120))
    contractor_phone: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str | None] = mapped_column(Text)  # what will be done
    planned_start: Mapped[date]
    planned_end: Mapped[date]  # the current end: moves with each extension
    original_end: Mapped[date]
    hot_work: Mapped[bool] = mapped_column(default=False)
    hot_work_permit_no: Mapped[str | None] = mapped_column(String(64))
    deposit_yuan: Mapped[int | None]
    # The approval clock starts when the application is complete (documents attached), not when it is typed in.
    submitted_at: Mapped[datetime | None]
    approval_due_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    completion_requested_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    acceptance_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    recheck_due_on: Mapped[date | None]
    recheck_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    refundable_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship("Unit")
    site = relationship("Site")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    acceptance_visit = relationship("Visit", foreign_keys=[acceptance_visit_id])
    recheck_visit = relationship("Visit", foreign_keys=[recheck_visit_id])
    workers: Mapped[list[RenovationWorker]] = relationship(
        back_populates="permit", order_by="RenovationWorker.id", cascade="all, delete-orphan")
    extensions: Mapped[list[PermitExtension]] = relationship(back_populates="permit", order_by="PermitExtension.id")
    documents: Mapped[list[PermitDocument]] = relationship(back_populates="permit", order_by="PermitDocument.id")
    notices: Mapped[list[RectificationNotice]] = relationship(back_populates="permit",
                                                              order_by="RectificationNotice.id")

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_renovation_permits_site_status", "site_id", "status"),
        # One live permit per unit: the database refuses a second even when two clerks submit at once.
        Index("uq_renovation_permits_live_unit", "unit_id", unique=True,
              sqlite_where=db.text("status IN ('applied', 'approved', 'completion_requested', 'accepted')"),
              postgresql_where=db.text("status IN ('applied', 'approved', 'completion_requested', 'accepted')")),
        one_of("status", PERMIT_STATUSES),
        CheckConstraint("planned_start <= planned_end", name="dates_ordered"),
        CheckConstraint("original_end <= planned_end", name="extension_later"),
        CheckConstraint("NOT hot_work OR hot_work_permit_no IS NOT NULL", name="hot_work_has_permit"),
        CheckConstraint("deposit_yuan IS NULL OR deposit_yuan >= 0", name="deposit_not_negative"),
    )


class RenovationWorker(db.Model):
    __tablename__ = "renovation_workers"
    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("renovation_permits.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    pass_number: Mapped[str] = mapped_column(String(32))  # 出入证号: a worker without a pass is not allowed on site
    phone: Mapped[str | None] = mapped_column(String(32))

    permit: Mapped[RenovationPermit] = relationship(back_populates="workers")

    __table_args__ = (UniqueConstraint("permit_id", "pass_number"),
                      CheckConstraint("length(pass_number) > 0", name="pass_given"))


class PermitExtension(db.Model):
    __tablename__ = "permit_extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("renovation_permits.id"), index=True)
    previous_end: Mapped[date]
    new_end: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    permit: Mapped[RenovationPermit] = relationship(back_populates="extensions")
    by = relationship("User")

    __table_args__ = (CheckConstraint("previous_end < new_end", name="later_end"),
                      CheckConstraint("length(reason) > 0", name="reason_given"))


class PermitDocument(db.Model):
    """An attached application form, drawing or hot-work permit: a photo or a PDF, checked by its content."""

    __tablename__ = "permit_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("renovation_permits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255))  # relative to UPLOAD_DIR
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    permit: Mapped[RenovationPermit] = relationship(back_populates="documents")

    __table_args__ = (
        one_of("kind", DOCUMENT_KINDS),
        CheckConstraint("content_type IN ('image/jpeg', 'application/pdf')", name="content_type"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )


notice_findings = Table(
    "notice_findings",
    db.metadata,
    Column("notice_id", ForeignKey("rectification_notices.id"), primary_key=True),
    Column("finding_id", ForeignKey("findings.id"), primary_key=True, unique=True),
)


class RectificationNotice(db.Model):
    """整改通知: the violations found at one renovation visit, with a deadline and a re-inspection."""

    __tablename__ = "rectification_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    permit_id: Mapped[int] = mapped_column(ForeignKey("renovation_permits.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    number: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="open")
    deadline: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reinspected_at: Mapped[datetime | None]
    reinspected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reinspection_note: Mapped[str | None] = mapped_column(Text)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retain_until: Mapped[date]  # major violations 5 years, minor 1 year (002 住户违章 §4.6)
    stop_work: Mapped[bool] = mapped_column(Boolean, default=False)

    permit: Mapped[RenovationPermit] = relationship(back_populates="notices")
    visit = relationship("Visit")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    reinspected_by = relationship("User", foreign_keys=[reinspected_by_id])
    findings = relationship("Finding", secondary=notice_findings, order_by="Finding.id")

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_rectification_notices_site_status", "site_id", "status", "deadline"),
        one_of("status", NOTICE_STATUSES),
        one_of("severity", NOTICE_SEVERITIES),
        CheckConstraint("status = 'open' OR reinspected_at IS NOT NULL", name="decided_has_reinspection"),
    )
