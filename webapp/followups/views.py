"""The follow-up pages (HTML): the list, creating one (from a review or on its own), one follow-up
with its actions, and its evidence photo.

Access is decided in webapp/scopes.py; every query here starts from it.
"""
import uuid as uuidlib

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp import scopes, storage
from webapp.accounts.models import Opd
from webapp.errors import ApiError
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.followups.forms import FollowupActionForm, FollowupCreateForm
from webapp.followups.models import FollowUp
from webapp.submissions.models import Submission
from webapp.vocabulary import OPEN_FOLLOWUP_STATES, FollowUpState, label

bp = Blueprint("followups", __name__)


def may_create_from(submission: Submission | None) -> bool:
    return scopes.can_create_followup(current_user, submission, None) or scopes.can_create_followup(
        current_user, submission, current_user.kecamatan_id)


def followup_create_form(source: Submission | None = None, formdata=None) -> FollowupCreateForm:
    form = FollowupCreateForm(formdata=formdata) if formdata is not None else FollowupCreateForm()
    choices = [("", _("— pilih —"))]
    kecamatan = list(db.session.scalars(scopes.kecamatan_query(current_user)))
    if not scopes.is_regency_wide(current_user):
        kecamatan = [k for k in kecamatan if k.id == current_user.kecamatan_id]
    choices += [(f"kec:{k.id}", _("Kecamatan %(name)s", name=k.name)) for k in kecamatan]
    choices += [(f"opd:{o.id}", o.name) for o in db.session.scalars(select(Opd).order_by(Opd.name))]
    form.assignee.choices = choices
    if source is not None and not form.is_submitted():
        form.source.data = str(source.uuid)
        rec = followups.recommendation_of(source)
        if rec:
            form.title.data = form.title.data or rec["text"][:300]
            if rec["opd"] is not None:
                form.assignee.data = f"opd:{rec['opd'].id}"
            form.due_date.data = rec["due_date"]
        elif source.kecamatan_id and current_user.role == "camat":
            form.assignee.data = f"kec:{source.kecamatan_id}"
    return form


@bp.route("/tindak-lanjut")
@login_required
def index():
    if not scopes.can_open_desk(current_user, "followups"):
        abort(403)
    status = request.args.get("status") or "aktif"
    stmt = scopes.followups_query(current_user)
    if status == "aktif":
        stmt = stmt.where(FollowUp.status.in_(OPEN_FOLLOWUP_STATES))
    elif status == "terlambat":
        stmt = stmt.where(followups.overdue_clause())
    elif status in FollowUpState.values():
        stmt = stmt.where(FollowUp.status == status)
    items = list(db.session.scalars(stmt.order_by(FollowUp.due_date, FollowUp.id).limit(200)))
    create_form = followup_create_form() if may_create_from(None) else None
    return render_template("followups/list.html", items=items, status=status, create_form=create_form,
                           counts=followups.counts_by_status(current_user))


def _source_in_scope(uuid) -> Submission:
    """The submission a follow-up is made from, within the user's scope (404 otherwise)."""
    submission = db.session.scalar(scopes.submissions_query(current_user).where(Submission.uuid == uuid))
    if submission is None:
        abort(404)
    return submission


@bp.route("/tindak-lanjut/baru", methods=["POST"])
@login_required
def create():
    form = followup_create_form(formdata=request.form)
    source = None
    if form.source.data:
        try:
            source = _source_in_scope(uuidlib.UUID(form.source.data))
        except ValueError:
            abort(404)
    if not form.validate_on_submit():
        return _render_create_errors(form, source)
    try:
        followup = followups.create_followup(current_user, {
            "title": form.title.data, "description": form.description.data,
            "due_date": form.due_date.data, **form.assignee_ids(),
        }, source=source)
    except ApiError as error:
        db.session.rollback()
        if error.status != 422:
            raise
        for name, messages in error.errors.items():
            target = getattr(form, "assignee" if name.startswith("assignee") else name, None)
            if target is not None:
                target.errors = list(target.errors) + list(messages)
        return _render_create_errors(form, source)
    db.session.commit()
    flash(_("Tindak lanjut dibuat."), "success")
    return redirect(url_for("followups.detail", followup_id=followup.id))


def _render_create_errors(form, source):
    return render_template("followups/create.html", create_form=form, source=source), 422


@bp.route("/tindak-lanjut/<int:followup_id>")
@login_required
def detail(followup_id: int):
    followup = _followup_in_scope(followup_id)
    return _render_followup(followup, FollowupActionForm())


def _followup_in_scope(followup_id: int) -> FollowUp:
    try:
        return followups.get_visible(current_user, followup_id)
    except ApiError:
        abort(404)


def _render_followup(followup: FollowUp, form: FollowupActionForm, status: int = 200):
    return render_template(
        "followups/detail.html", followup=followup, form=form,
        actions=followups.allowed_actions(current_user, followup), history=followups.history(followup),
    ), status


@bp.route("/tindak-lanjut/<int:followup_id>/tindakan", methods=["POST"])
@login_required
def action(followup_id: int):
    followup = _followup_in_scope(followup_id)
    form = FollowupActionForm()
    if not form.validate_on_submit():
        return _render_followup(followup, form, 422)
    photo = form.photo.data.read() if form.photo.data else None
    try:
        followups.transition(current_user, followup, form.action.data, form.note.data, photo)
    except ApiError as error:
        db.session.rollback()
        if error.status == 409:
            flash(error.message, "error")
            return redirect(url_for("followups.detail", followup_id=followup_id))
        if error.status not in (413, 422):
            raise
        followup = _followup_in_scope(followup_id)
        for name, messages in error.errors.items():
            target = getattr(form, name, None)
            if target is not None:
                target.errors = list(target.errors) + list(messages)
        return _render_followup(followup, form, 422)
    db.session.commit()
    flash(_("Status tindak lanjut: %(state)s.", state=label(followup.status)), "success")
    back = request.form.get("back")
    if back == "opd":
        return redirect(url_for("dashboard.opd_desk") + f"#fu-{followup_id}")
    return redirect(url_for("followups.detail", followup_id=followup_id))


@bp.route("/tindak-lanjut/<int:followup_id>/bukti.jpg")
@login_required
def evidence(followup_id: int):
    followup = _followup_in_scope(followup_id)
    if not followup.evidence_key or not storage.exists(followup.evidence_key):
        abort(404)
    response = send_file(storage.path_for(followup.evidence_key), mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
