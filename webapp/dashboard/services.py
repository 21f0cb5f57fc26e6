"""Figures for the home page, always within the user's scope."""
from sqlalchemy import func, select

from webapp import scopes
from webapp.extensions import db


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def home_summary(user) -> dict:
    """Counts of what the user can see: sites, activities, submissions, follow-ups."""
    return {
        "kecamatan": _count(scopes.kecamatan_query(user)),
        "sites": _count(scopes.sites_query(user)),
        "kegiatan": _count(scopes.kegiatan_query(user)),
        "submissions": _count(scopes.submissions_query(user)),
        "followups": _count(scopes.followups_query(user)),
    }
