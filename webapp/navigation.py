"""The main menu: which pages each role sees."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.vocabulary import Role

#: (endpoint, label, roles)
NAV_ITEMS = [
    ("dashboard.home", _l("Beranda"), ("admin", "bappeda", "camat", "opd", "monitor")),
    ("pwa.field_app", _l("Aplikasi Lapangan"), ("monitor", "camat", "bappeda", "admin")),
    ("maps.index", _l("Peta"), ("admin", "bappeda", "camat", "opd")),
    ("dashboard.camat_desk", _l("Meja Camat"), ("camat",)),
    ("dashboard.bappeda_desk", _l("Meja Bappeda"), ("bappeda", "admin")),
    ("dashboard.opd_desk", _l("Meja OPD"), ("opd",)),
    ("rakor.deck", _l("Mode Rakor"), ("bappeda", "admin")),
    ("review.index", _l("Tinjauan"), ("camat", "bappeda", "admin")),
    ("followups.index", _l("Tindak Lanjut"), ("camat", "bappeda", "admin", "opd")),
    ("dashboard.my_submissions", _l("Kiriman Saya"), ("monitor",)),
    ("reports.index", _l("Laporan"), ("bappeda", "admin", "camat", "opd")),
    ("admin.index", _l("Admin"), ("admin",)),
    ("accounts.settings", _l("Akun & bahasa"), ("admin", "bappeda", "camat", "opd", "monitor")),
]


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    return [(ep, label) for ep, label, roles in NAV_ITEMS if current_user.role in roles and ep in endpoints]


def role_scope_label(user) -> str:
    """The role and what it covers, e.g. "Camat · Kecamatan Kota Manna"."""
    label = Role.label_of(user.role)
    if user.kecamatan is not None:
        return f"{label} · {_l('Kecamatan')} {user.kecamatan.name}"
    if user.opd is not None:
        return f"{label} · {user.opd.name}"
    return f"{label} · {_l('Seluruh kabupaten')}"


def init_app(app) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})
    app.jinja_env.globals.update(role_scope_label=role_scope_label)
