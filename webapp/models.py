"""Imports every model so that Alembic and create_all see the whole schema."""
from webapp.accounts.models import Opd, User  # noqa: F401
from webapp.audit import AuditEvent  # noqa: F401
from webapp.followups.models import FollowUp  # noqa: F401
from webapp.maps.models import MapGeneration, MapSnapshot, MapStatusDelta, MapView  # noqa: F401
from webapp.forms.models import Form, FormVersion  # noqa: F401
from webapp.monev.models import Kegiatan, KegiatanGroup, KegiatanPlan, Program, kegiatan_site  # noqa: F401
from webapp.opd_reports.models import OpdReport  # noqa: F401
from webapp.regions.models import Desa, Kecamatan  # noqa: F401
from webapp.reports.models import ReportJob, RkpdNarrative  # noqa: F401
from webapp.sites.models import Site, SiteStatus  # noqa: F401
from webapp.submissions.models import Attachment, Submission  # noqa: F401
