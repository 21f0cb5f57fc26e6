"""The main menu: which pages each role sees."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

#: (endpoint, label, roles)
NAV_ITEMS = [
    ("dashboard.home", _l("Beranda"), ("admin", "bappeda", "camat", "opd", "monitor")),
    ("pwa.field_app", _l("Aplikasi Lapangan"), ("monitor", "camat", "bappeda", "admin")),
    ("maps.index", _l("Peta"), ("admin", "bappeda", "camat", "opd")),
    ("dashboard.camat_desk", _l("Meja Camat"), ("camat",)),
    ("dashboard.bappeda_desk", _l("Meja Bappeda"), ("bappeda", "admin")),
    ("dashboard.opd_desk", _l("Meja OPD"), ("opd",)),
    ("review.index", _l("Tinjauan"), ("camat", "bappeda", "admin")),
    ("followups.index", _l("Tindak Lanjut"), ("camat", "bappeda", "admin", "opd")),
    ("dashboard.my_submissions", _l("Kiriman Saya"), ("monitor",)),
    ("reports.index", _l("Laporan"), ("bappeda", "admin", "camat")),
    ("admin.index", _l("Admin"), ("admin",)),
    ("accounts.settings", _l("Akun & bahasa"), ("admin", "bappeda", "camat", "opd", "monitor")),
]


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    return [(ep, label) for ep, label, roles in NAV_ITEMS if current_user.role in roles and ep in endpoints]


ROLE_LABELS = {
    "admin": _l("Admin"),
    "bappeda": _l("Bappeda Litbang"),
    "camat": _l("Camat"),
    "opd": _l("OPD"),
    "monitor": _l("Petugas lapangan"),
}


SITE_KIND_LABELS = {
    "sekolah": _l("Sekolah"),
    "kantor": _l("Kantor"),
    "pasar": _l("Pasar"),
    "fasilitas_kesehatan": _l("Fasilitas kesehatan"),
    "tempat_ibadah": _l("Tempat ibadah"),
    "ruang_publik": _l("Ruang publik"),
    "permukiman": _l("Permukiman"),
    "tps": _l("TPS"),
    "sungai_drainase": _l("Sungai/drainase"),
    "lokasi_kegiatan": _l("Lokasi kegiatan"),
}


def site_kind_label(kind: str) -> str:
    return str(SITE_KIND_LABELS.get(kind, kind))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def role_scope_label(user) -> str:
    """The role and what it covers, e.g. "Camat · Kecamatan Kota Manna"."""
    label = role_label(user.role)
    if user.kecamatan is not None:
        return f"{label} · {_l('Kecamatan')} {user.kecamatan.name}"
    if user.opd is not None:
        return f"{label} · {user.opd.name}"
    return f"{label} · {_l('Seluruh kabupaten')}"


def init_app(app) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})
    app.jinja_env.globals.update(role_label=role_label, role_scope_label=role_scope_label,
                                  site_kind_label=site_kind_label)
