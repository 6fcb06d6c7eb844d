"""Import every model so the metadata is complete (Alembic, create_all, the mapper)."""
from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import LoginFailure, User, user_sites  # noqa: F401
from app.checklists.models import ChecklistItem, ChecklistTemplate, TemplateVersion  # noqa: F401
from app.findings.models import Finding  # noqa: F401
from app.handover.models import Handover  # noqa: F401
from app.patrols.models import (  # noqa: F401
    Answer, CheckpointSkip, PatrolLog, Round, RoundCheckpoint, RoundWindow, Visit, round_assignees,
)
from app.numbering import SequenceCounter  # noqa: F401
from app.patrols.receipts import SyncReceipt  # noqa: F401
from app.photos.models import Photo  # noqa: F401
from app.renovation.models import (  # noqa: F401
    PermitDocument, PermitExtension, RectificationNotice, RenovationPermit, RenovationWorker, notice_findings,
)
from app.reviews.models import ReviewBatch, SpotCheck, SpotCheckItem  # noqa: F401
from app.signoff.models import AmendmentChange, CosignToken, LogAmendment, Signature  # noqa: F401
from app.sites.models import Building, Checkpoint, RetiredToken, Site, SiteHoliday, SiteSeason, Unit  # noqa: F401
from app.vacancy.models import KeyLoan, UpkeepItem, UpkeepPlan, plan_units  # noqa: F401
from app.work_orders.models import Team, WorkOrder  # noqa: F401
