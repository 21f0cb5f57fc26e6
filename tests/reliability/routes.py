"""The rule of every route: which status each role gets, for objects inside and outside its scope.

Keyed by (endpoint, method) from app.url_map; test_access_matrix fails on a route without a rule.
Statuses are the app's policy as webapp/scopes.py states it:
- anon: HTML pages redirect to the login page (302), the API answers 401;
- admin, bappeda: the whole regency; camat and monitor: Kota Manna; opd: DLH's kegiatan and their sites;
- an object outside the scope is 404 (its existence is not confirmed), a page the role may not open is 403.
State-changing cases send a well-formed request that ends in a conflict (409) where the role may act,
so one world serves every case; anything creating data creates it harmlessly.
"""
import io
from dataclasses import dataclass, field
from typing import Callable

from tests.factories import geber_item, jpeg_bytes
from tests.reliability.world import ROLES, World

LOGGED_IN = ("admin", "bappeda", "camat", "opd", "monitor")
REGENCY = ("admin", "bappeda")


def page(default: int = 200, **statuses: int) -> dict[str, int]:
    """An HTML page behind the login: anon is sent to the login page."""
    return {"anon": 302, **{r: default for r in LOGGED_IN}, **statuses}


def api(default: int = 200, **statuses: int) -> dict[str, int]:
    return {"anon": 401, **{r: default for r in LOGGED_IN}, **statuses}


def everyone(status: int = 200, **statuses: int) -> dict[str, int]:
    return {**{r: status for r in ROLES}, **statuses}


@dataclass
class Case:
    endpoint: str
    method: str
    expect: dict[str, int]
    args: dict[str, str] = field(default_factory=dict)
    label: str = ""
    query: str = ""
    #: world → (kind, payload): kind is "json", "form", "multipart" or "raw".
    body: Callable[[World], tuple[str, object]] | None = None
    #: (world, response) → problems: checks of what a 200 holds.
    check: Callable | None = None
    #: Runs after every other case of the role (logging out ends the session).
    last: bool = False

    def values(self, world: World) -> dict:
        return {name: getattr(world, attr) if attr in world.__dataclass_fields__ else attr
                for name, attr in self.args.items()}


# --- content checks: what a list answers must stay within the scope ---------------------------

def _has(world: World, body: str, present=(), absent=()) -> list[str]:
    problems = [f"{world.role}: {p} missing" for p in present if str(p) not in body]
    return problems + [f"{world.role}: {a} shown" for a in absent if str(a) in body]


def check_submissions(world: World, response) -> list[str]:
    body = response.get_data(as_text=True)
    seen = {
        "admin": ([world.sub_in, world.sub_out, world.monev_in], []),
        "bappeda": ([world.sub_in, world.sub_out, world.monev_in], []),
        "camat": ([world.sub_in, world.monev_in], [world.sub_out, world.sub_out_final]),
        "opd": ([world.monev_in], [world.sub_in, world.sub_out, world.sub_public]),
        "monitor": ([world.sub_in, world.sub_public, world.monev_in], [world.sub_out, world.sub_out_final]),
    }[world.role]
    return _has(world, body, *seen)


def check_sites(world: World, response) -> list[str]:
    body = response.get_data(as_text=True)
    if world.role in REGENCY:
        return _has(world, body, [world.site_in, world.site_out])
    return _has(world, body, [world.site_in], [world.site_out])


def check_followups(world: World, response) -> list[str]:
    ids = {f["id"] for f in response.json["followups"]}
    visible = {
        "admin": {world.fu_kec_in, world.fu_opd_in, world.fu_out},
        "bappeda": {world.fu_kec_in, world.fu_opd_in, world.fu_out},
        "camat": {world.fu_kec_in, world.fu_opd_in},
        "opd": {world.fu_opd_in},
        "monitor": set(),
    }[world.role]
    # The regency-wide roles also see what earlier cases of the matrix created.
    ok = visible <= ids if world.role in REGENCY else ids == visible
    return [] if ok else [f"{world.role}: follow-ups {sorted(ids)} != {sorted(visible)}"]


def check_jobs(world: World, response) -> list[str]:
    body = response.get_data(as_text=True)
    scheduled = [world.job_scheduled] if world.role in REGENCY else []
    hidden = [] if world.role in REGENCY else [world.job_scheduled]
    return _has(world, body, [world.job_own, *scheduled], [world.job_other, *hidden])


def check_public(world: World, response) -> list[str]:
    return _has(world, response.get_data(as_text=True), [world.site_in], [world.site_out])


# --- bodies -------------------------------------------------------------------------------------

def check_opd_reports(world: World, response) -> list[str]:
    codes = {r["kegiatan"] for r in response.json["reports"]}
    expected = {"admin": {world.kegiatan_in_code, world.kegiatan_out_code},
                "bappeda": {world.kegiatan_in_code, world.kegiatan_out_code},
                "opd": {world.kegiatan_in_code}}.get(world.role, set())
    return [] if codes == expected else [f"{world.role}: opd reports {sorted(codes)}"]


def report_form(world: World):
    return "form", {"realisation_rp": "2.000.000", "physical_pct": "30", "action": "kirim"}


def report_json(world: World):
    return "json", {"realisation_rp": 2_000_000, "physical_pct": 30.0, "submit": True}


def batch_body(world: World):
    """One check at the site in scope and one outside it: each judged by the user's scope."""
    return "json", {"submissions": [geber_item(world.site_in, photos=[jpeg_bytes()]),
                                    geber_item(world.site_out, photos=[jpeg_bytes()])]}


def check_batch(world: World, response) -> list[str]:
    statuses = [r["status"] for r in response.json["results"]]
    expected = ["created", "created"] if world.role in REGENCY else ["created", "rejected"]
    return [] if statuses == expected else [f"{world.role}: batch answers {statuses} != {expected}"]


def followup_create_json(world: World):
    return "json", {"title": "Perbaiki tong sampah", "assignee_opd_id": world.dlh_id, "due_date": "2030-01-31"}


def followup_create_form(source_attr: str | None):
    def body(world: World):
        form = {"title": "Perbaiki tong sampah", "assignee": f"opd:{world.dlh_id}", "due_date": "2030-01-31"}
        if source_attr:
            form["source"] = str(getattr(world, source_attr))
        return "form", form
    return body


def evidence(world: World):
    return "multipart", {"note": "Sudah selesai", "photo": (io.BytesIO(jpeg_bytes(50, 40)), "bukti.jpg")}


def report_request(world: World):
    return "json", {"kind": "sites"}


def own_photo(world: World):
    return "raw", world.att_in_bytes


# --- the table ----------------------------------------------------------------------------------

SUB_IN_VIEW = page(opd=404)
SUB_OUT_VIEW = page(404, admin=200, bappeda=200)
REPORTS = ("admin", "bappeda", "camat", "opd")


def reports_page(default=200, **statuses):
    return page(default, **{"monitor": 403, **statuses})


def reports_api(default=200, **statuses):
    return api(default, **{"monitor": 403, **statuses})


def rfk_form(world: World):
    return "form", {"kind": "rfk", "period": "2026-10", "format": "xlsx"}


def rfk_request(world: World):
    return "json", {"kind": "rfk", "period": "2026-10", "format": "xlsx"}


def admin_page(admin: int = 200) -> dict[str, int]:
    return page(403, admin=admin)


ADMIN_PAGE = admin_page()

CASES: list[Case] = [
    # --- accounts, home, static, the field app shell ---
    Case("accounts.login", "GET", everyone(302, anon=200)),
    Case("accounts.login", "POST", everyone(302, anon=200), body=lambda w: ("form", {"username": "x", "password": "y"})),
    Case("accounts.logout", "POST", everyone(302), last=True),
    Case("dashboard.index", "GET", everyone(302)),
    Case("dashboard.home", "GET", page()),
    Case("static", "GET", everyone(200), args={"filename": "css/app.css"}),
    Case("pwa.manifest", "GET", everyone(200)),
    Case("pwa.service_worker", "GET", everyone(200)),
    Case("pwa.shell", "GET", everyone(200)),
    Case("pwa.offline", "GET", everyone(200)),
    Case("pwa.field_app", "GET", page()),
    # --- desks ---
    Case("dashboard.camat_desk", "GET", page(opd=403, monitor=403)),
    Case("dashboard.camat_desk", "GET", page(opd=403, monitor=403), query="kecamatan=17.01.03", label="other kecamatan"),
    Case("dashboard.bappeda_desk", "GET", page(403, admin=200, bappeda=200)),
    Case("dashboard.bappeda_kegiatan", "GET", page(403, admin=200, bappeda=200)),
    Case("dashboard.opd_desk", "GET", page(camat=403, monitor=403)),
    Case("dashboard.opd_desk", "GET", page(camat=403, monitor=403), query="opd=PUPR", label="other opd"),
    Case("dashboard.my_submissions", "GET", page()),
    # --- maps and sites ---
    Case("maps.index", "GET", page()),
    Case("maps.site_history", "GET", page(), args={"site_uuid": "site_in"}, label="in"),
    Case("maps.site_history", "GET", SUB_OUT_VIEW, args={"site_uuid": "site_out"}, label="out"),
    Case("maps.photo_thumbnail", "GET", SUB_IN_VIEW, args={"attachment_uuid": "att_in"}, label="in"),
    Case("maps.photo_thumbnail", "GET", SUB_OUT_VIEW, args={"attachment_uuid": "att_out"}, label="out"),
    Case("map_api.map_site_detail", "GET", api(), args={"site_uuid": "site_in"}, label="in"),
    Case("map_api.map_site_detail", "GET", api(404, admin=200, bappeda=200), args={"site_uuid": "site_out"}, label="out"),
    Case("map_api.kecamatan_summary", "GET", api()),
    Case("map_api.aksi_actions", "GET", api()),
    Case("map_api.map_manifest", "GET", api()),
    Case("map_api.status_array", "GET", api()),
    # A positions file is found only under the hash of the user's own scope (see tests/maps/test_map_snapshots.py).
    Case("map_api.positions_file", "GET", api(404), args={"sites_hash": "0" * 20}),
    Case("map_api.map_clusters", "GET", api(), query="z=22", check=check_sites),
    Case("map_api.map_list", "GET", api(), check=check_sites),
    # --- the public map (photos are off by default) ---
    Case("public.map_view", "GET", everyone(200)),
    Case("public.photo_thumbnail", "GET", everyone(404), args={"attachment_uuid": "att_in"}),
    Case("public_api.public_site_detail", "GET", everyone(200), args={"site_uuid": "site_in"}, label="approved"),
    Case("public_api.public_site_detail", "GET", everyone(404), args={"site_uuid": "site_out"}, label="not approved"),
    Case("public_api.public_kecamatan_summary", "GET", everyone(200)),
    Case("public_api.public_manifest", "GET", everyone(200)),
    Case("public_api.status_array", "GET", everyone(200)),
    Case("public_api.positions_file", "GET", everyone(404), args={"sites_hash": "0" * 20}),
    Case("public_api.public_clusters", "GET", everyone(200), query="z=22", check=check_public),
    Case("public_api.public_list", "GET", everyone(200), check=check_public),
    # --- review ---
    Case("review.index", "GET", page(opd=403, monitor=403)),
    Case("review.detail", "GET", SUB_IN_VIEW, args={"uuid": "sub_in"}, label="in"),
    Case("review.detail", "GET", SUB_OUT_VIEW, args={"uuid": "sub_out"}, label="out"),
    # Approving what is already approved: a reviewer reaches the state check (409 → back to the page).
    Case("review.detail", "POST", page(302, opd=404, monitor=403), args={"uuid": "sub_public"},
         body=lambda w: ("form", {"action": "approve"}), label="in, final"),
    Case("review.detail", "POST", page(404, admin=302, bappeda=302), args={"uuid": "sub_out_final"},
         body=lambda w: ("form", {"action": "approve"}), label="out, final"),
    Case("review.photo", "GET", SUB_IN_VIEW, args={"uuid": "sub_in", "photo": "att_in"}, label="in"),
    Case("review.photo", "GET", SUB_OUT_VIEW, args={"uuid": "sub_out", "photo": "att_out"}, label="out"),
    Case("review.photo", "GET", page(404), args={"uuid": "sub_in", "photo": "att_out"},
         label="another submission's photo"),
    Case("review_api.review_submission", "POST", api(409, opd=404, monitor=403), args={"uuid": "sub_public"},
         body=lambda w: ("json", {"action": "approve"}), label="in, final"),
    Case("review_api.review_submission", "POST", api(404, admin=409, bappeda=409), args={"uuid": "sub_out_final"},
         body=lambda w: ("json", {"action": "approve"}), label="out, final"),
    # --- follow-ups ---
    Case("followups.index", "GET", page(monitor=403)),
    Case("followups.detail", "GET", page(opd=404, monitor=404), args={"followup_id": "fu_kec_in"}, label="kecamatan"),
    Case("followups.detail", "GET", page(monitor=404), args={"followup_id": "fu_opd_in"}, label="opd"),
    Case("followups.detail", "GET", page(404, admin=200, bappeda=200), args={"followup_id": "fu_out"}, label="out"),
    Case("followups.evidence", "GET", page(opd=404, monitor=404), args={"followup_id": "fu_kec_in"}, label="in"),
    Case("followups.evidence", "GET", page(404, admin=200, bappeda=200), args={"followup_id": "fu_out"}, label="out"),
    # Starting what is already in progress: a manager reaches the state check (409 → back to the page).
    Case("followups.action", "POST", page(302, camat=403, monitor=404), args={"followup_id": "fu_opd_in"},
         body=lambda w: ("form", {"action": "start"}), label="opd, in progress"),
    Case("followups.action", "POST", page(404, admin=302, bappeda=302), args={"followup_id": "fu_out"},
         body=lambda w: ("form", {"action": "start"}), label="out, done"),
    Case("followups.create", "POST", page(403, admin=302, bappeda=302), body=followup_create_form(None),
         label="without a source"),
    Case("followups.create", "POST", page(404, admin=302, bappeda=302), body=followup_create_form("sub_out"),
         label="from a check outside"),
    Case("followups_api.list_followups", "GET", api(), check=check_followups),
    Case("followups_api.create_followup", "POST", api(403, admin=201, bappeda=201), body=followup_create_json),
    Case("followups_api.get_followup", "GET", api(opd=404, monitor=404), args={"followup_id": "fu_kec_in"}, label="kecamatan"),
    Case("followups_api.get_followup", "GET", api(monitor=404), args={"followup_id": "fu_opd_in"}, label="opd"),
    Case("followups_api.get_followup", "GET", api(404, admin=200, bappeda=200), args={"followup_id": "fu_out"}, label="out"),
    Case("followups_api.transition_followup", "POST", api(409, camat=403, monitor=404), args={"followup_id": "fu_opd_in"},
         body=lambda w: ("json", {"action": "start"}), label="opd, in progress"),
    Case("followups_api.transition_followup", "POST", api(404, admin=409, bappeda=409), args={"followup_id": "fu_out"},
         body=lambda w: ("json", {"action": "start"}), label="out, done"),
    Case("followups_api.complete_followup", "POST", api(409, opd=404, monitor=404), args={"followup_id": "fu_kec_in"},
         body=evidence, label="kecamatan, done"),
    Case("followups_api.complete_followup", "POST", api(404, admin=409, bappeda=409), args={"followup_id": "fu_out"},
         body=evidence, label="out, done"),
    # Naming an unknown owner by API: those who may name one reach the owner check (422).
    Case("followups_api.assign_followup_owner", "PUT", api(422, camat=403, monitor=404),
         args={"followup_id": "fu_opd_in"}, body=lambda w: ("json", {"owner_id": 2**31 - 1}), label="opd, in progress"),
    Case("followups_api.assign_followup_owner", "PUT", api(404, admin=409, bappeda=409), args={"followup_id": "fu_out"},
         body=lambda w: ("json", {"owner_id": 2**31 - 1}), label="out, done"),
    # Naming the owner with none chosen: those who may reach the form's check (422).
    Case("followups.assign", "POST", page(422, camat=403, monitor=404), args={"followup_id": "fu_opd_in"},
         body=lambda w: ("form", {"owner": ""}), label="opd, in progress"),
    Case("followups.assign", "POST", page(404, admin=403, bappeda=403), args={"followup_id": "fu_out"},
         body=lambda w: ("form", {"owner": ""}), label="out, done"),
    # --- Rakor mode: Bappeda and admin only; an empty decision is refused back to the deck ---
    Case("rakor.deck", "GET", page(403, admin=200, bappeda=200), query="bulan=2026-11"),
    Case("rakor.decide", "POST", page(403, admin=302, bappeda=302), query="bulan=2026-11",
         body=lambda w: ("form", {"title": "", "owner": ""}), label="incomplete"),
    Case("rakor.pdf", "POST", page(403, admin=302, bappeda=302), query="bulan=2026-11"),
    # --- notifications: each user's own ---
    Case("notifications.index", "GET", page()),
    Case("notifications.read", "POST", page(404), args={"notification_id": "2147483000"}, body=lambda w: ("form", {}),
         label="someone else's or none"),
    Case("notifications.read_all", "POST", page(302), body=lambda w: ("form", {})),
    Case("notifications.email_choice", "POST", page(302), body=lambda w: ("form", {"email": "1"})),
    # --- OPD monthly reports: October submitted (a second submission is a conflict), September returned ---
    Case("opd_reports.report_page", "GET", page(404, admin=200, bappeda=200, opd=200),
         args={"code": "kegiatan_in_code", "year": "2026", "month": "10"}, label="in"),
    Case("opd_reports.report_page", "GET", page(404, admin=200, bappeda=200),
         args={"code": "kegiatan_out_code", "year": "2026", "month": "10"}, label="out"),
    Case("opd_reports.report_page", "POST", page(404, admin=403, bappeda=403, opd=302),
         args={"code": "kegiatan_in_code", "year": "2026", "month": "10"}, body=report_form, label="in, submitted"),
    Case("opd_reports.report_page", "POST", page(404, admin=403, bappeda=403),
         args={"code": "kegiatan_out_code", "year": "2026", "month": "10"}, body=report_form, label="out"),
    Case("opd_reports.return_page", "POST", page(403, admin=302, bappeda=302),
         args={"code": "kegiatan_in_code", "year": "2026", "month": "9"}, body=lambda w: ("form", {"note": "x"}),
         label="in, returned"),
    Case("opd_reports.return_page", "POST", page(404, admin=302, bappeda=302),
         args={"code": "kegiatan_out_code", "year": "2026", "month": "9"}, body=lambda w: ("form", {"note": "x"}),
         label="out"),
    Case("opd_reports_api.list_reports", "GET", api(), query="year=2026&month=10", check=check_opd_reports),
    Case("opd_reports_api.get_report", "GET", api(404, admin=200, bappeda=200, opd=200),
         args={"code": "kegiatan_in_code", "year": "2026", "month": "10"}, label="in"),
    Case("opd_reports_api.get_report", "GET", api(404, admin=200, bappeda=200),
         args={"code": "kegiatan_out_code", "year": "2026", "month": "10"}, label="out"),
    Case("opd_reports_api.save_report", "PUT", api(403, opd=409),
         args={"code": "kegiatan_in_code", "year": "2026", "month": "10"}, body=report_json, label="in, submitted"),
    Case("opd_reports_api.save_report", "PUT", api(404, admin=403, bappeda=403),
         args={"code": "kegiatan_out_code", "year": "2026", "month": "10"}, body=report_json, label="out"),
    Case("opd_reports_api.return_report", "POST", api(404, opd=403, admin=409, bappeda=409),
         args={"code": "kegiatan_in_code", "year": "2026", "month": "9"}, body=lambda w: ("json", {"note": "x"}),
         label="in, returned"),
    Case("opd_reports_api.return_report", "POST", api(404, admin=409, bappeda=409),
         args={"code": "kegiatan_out_code", "year": "2026", "month": "9"}, body=lambda w: ("json", {"note": "x"}),
         label="out"),
    Case("monev.kegiatan_page", "GET", page(), args={"code": "kegiatan_in_code"}, label="in"),
    Case("monev.kegiatan_page", "GET", page(404, admin=200, bappeda=200), args={"code": "kegiatan_out_code"}, label="out"),
    # --- sync API ---
    Case("session_api.ping", "GET", everyone(200)),
    Case("session_api.session_info", "GET", api()),
    Case("session_api.session_token", "GET", everyone(200)),
    # Wrong credentials: a 401 for everyone, and nobody's session changes.
    Case("session_api.log_in", "POST", everyone(401), body=lambda w: ("json", {"username": "x", "password": "y"})),
    Case("sync_api.get_bootstrap", "GET", api(), check=check_sites),
    Case("forms_api.list_forms", "GET", api()),
    Case("forms_api.publish_form", "POST", api(403, admin=422), body=lambda w: ("json", {"form": "geber_cek"})),
    Case("submissions_api.list_submissions", "GET", api(), check=check_submissions),
    Case("submissions_api.submit_batch", "POST", api(opd=403), body=batch_body, check=check_batch),
    Case("submissions_api.put_attachment", "PUT", api(404, monitor=200), args={"attachment_uuid": "att_in"},
         body=own_photo, label="own photo"),
    Case("submissions_api.put_attachment", "PUT", api(404), args={"attachment_uuid": "att_out"}, body=own_photo,
         label="another's photo"),
    Case("api-docs.openapi_json", "GET", everyone(200)),
    # --- reports ---
    Case("reports.index", "GET", reports_page(), check=check_jobs),
    Case("reports.create", "POST", reports_page(302, opd=403), body=lambda w: ("form", {"kind": "sites"})),
    Case("reports.create", "POST", reports_page(302, camat=403, opd=403), body=lambda w: ("form", {"kind": "monthly", "period": "2026-01"}),
         label="monthly"),
    Case("reports.download", "GET", reports_page(), args={"job_uuid": "job_own"}, label="own"),
    Case("reports.download", "GET", reports_page(404), args={"job_uuid": "job_other"}, label="another's"),
    Case("reports.download", "GET", reports_page(camat=404, opd=404), args={"job_uuid": "job_scheduled"}, label="scheduled"),
    Case("reports.retry", "POST", reports_page(409), args={"job_uuid": "job_own"}, label="own, ready"),
    Case("reports.retry", "POST", reports_page(404), args={"job_uuid": "job_other"}, label="another's"),
    Case("reports_api.Jobs", "GET", reports_api(), check=check_jobs),
    Case("reports_api.Jobs", "POST", reports_api(202, opd=403), body=report_request),
    # The RFK: the regency for Bappeda and admin, its own OPD's for an OPD user, nothing for a camat.
    Case("reports.create", "POST", reports_page(302, camat=403), body=rfk_form, label="rfk"),
    Case("reports_api.Jobs", "POST", reports_api(202, camat=403), body=rfk_request, label="rfk"),
    Case("reports_api.job_state", "GET", reports_api(), args={"job_uuid": "job_own"}, label="own"),
    Case("reports_api.job_state", "GET", reports_api(404), args={"job_uuid": "job_other"}, label="another's"),
    Case("reports_api.job_state", "GET", reports_api(camat=404, opd=404), args={"job_uuid": "job_scheduled"}, label="scheduled"),
    Case("reports_api.retry_job", "POST", reports_api(409), args={"job_uuid": "job_own"}, label="own, ready"),
    Case("reports_api.retry_job", "POST", reports_api(404), args={"job_uuid": "job_other"}, label="another's"),
    # The narrative under the RKPD evaluation: the regency edits any OPD's, an OPD its own only.
    Case("reports.rkpd_narrative", "GET", page(403, admin=200, bappeda=200, opd=200),
         args={"triwulan": "2026-T3", "opd": "dlh_id"}, label="own OPD"),
    Case("reports.rkpd_narrative", "GET", page(403, admin=200, bappeda=200),
         args={"triwulan": "2026-T3", "opd": "pupr_id"}, label="another OPD"),
    Case("reports.rkpd_narrative", "POST", page(403, admin=302, bappeda=302, opd=302),
         args={"triwulan": "2026-T3", "opd": "dlh_id"}, body=lambda w: ("form", {"driving": "Dukungan warga"}),
         label="own OPD"),
    Case("reports.rkpd_narrative", "POST", page(403, admin=302, bappeda=302),
         args={"triwulan": "2026-T3", "opd": "pupr_id"}, body=lambda w: ("form", {"driving": "Dukungan warga"}),
         label="another OPD"),
    # --- account: a password of one's own ---
    Case("accounts.settings", "GET", page()),
    Case("accounts.settings", "POST", page(), body=lambda w: ("form", {"language": "xx"})),
    Case("accounts.change_password", "GET", page()),
    Case("accounts.change_password", "POST", page(), body=lambda w: ("form", {"current": "salah", "new": "x"})),
    # --- the admin console: admins only; bad input is a 422 or the form again, never a write ---
    Case("admin.index", "GET", ADMIN_PAGE),
    Case("admin.users_list", "GET", ADMIN_PAGE, query="q=a&peran=camat&kecamatan=1&opd=1&aktif=1"),
    Case("admin.user_new", "GET", ADMIN_PAGE),
    Case("admin.user_new", "POST", ADMIN_PAGE, body=lambda w: ("form", {"username": "", "role": "raja"})),
    Case("admin.user_edit", "GET", ADMIN_PAGE, args={"user_id": "other_user_id"}),
    Case("admin.user_edit", "POST", ADMIN_PAGE, args={"user_id": "other_user_id"},
         body=lambda w: ("form", {"role": "raja"})),
    Case("admin.user_active", "POST", admin_page(302), args={"user_id": "other_user_id"},
         body=lambda w: ("form", {"active": "1"}), label="already active"),
    Case("admin.user_unlock", "POST", admin_page(302), args={"user_id": "other_user_id"}, label="not locked"),
    Case("admin.user_reset_password", "POST", ADMIN_PAGE, args={"user_id": "other_user_id"}),
    Case("admin.user_import", "GET", ADMIN_PAGE),
    Case("admin.user_import", "POST", admin_page(422), body=lambda w: ("form", {})),
    Case("admin.user_import_template", "GET", ADMIN_PAGE),
    Case("admin.kegiatan_list", "GET", ADMIN_PAGE, query="q=1&opd=DLH&tahun=2026"),
    Case("admin.kegiatan_detail", "GET", ADMIN_PAGE, args={"kegiatan_id": "kegiatan_in_id"}),
    Case("admin.dpa_template", "GET", ADMIN_PAGE),
    Case("admin.dpa_import", "GET", ADMIN_PAGE),
    Case("admin.dpa_import", "POST", admin_page(422), body=lambda w: ("form", {})),
    Case("admin.sites_list", "GET", ADMIN_PAGE, query="q=SD&kecamatan=1&jenis=sekolah&status=semua"),
    Case("admin.site_edit", "GET", ADMIN_PAGE, args={"site_id": "site_in_id"}),
    Case("admin.site_edit", "POST", ADMIN_PAGE, args={"site_id": "site_in_id"}, body=lambda w: ("form", {"name": ""})),
    Case("admin.site_active", "POST", admin_page(302), args={"site_id": "site_in_id"},
         body=lambda w: ("form", {"active": "1"}), label="already active"),
    Case("admin.site_merge", "POST", admin_page(302), args={"site_id": "site_in_id"},
         body=lambda w: ("form", {"target": ""}), label="no target"),
    Case("admin.sites_import", "GET", ADMIN_PAGE),
    Case("admin.sites_import", "POST", ADMIN_PAGE, body=lambda w: ("form", {})),
    Case("admin.forms_list", "GET", ADMIN_PAGE),
    Case("admin.forms_list", "POST", admin_page(422), body=lambda w: ("form", {})),
    Case("admin.form_preview", "GET", ADMIN_PAGE, args={"version_id": "form_version_id"}),
]

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
