"""The follow-up pages (HTML): the list, creating one (from a review or on its own), one follow-up
with its actions, and its evidence photo.

Access is decided in webapp/scopes.py; every query here starts from it.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp import scopes, storage
from webapp.accounts.models import Opd
from webapp.domain_errors import Conflict, Invalid
from webapp.errors import put_on_form
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.followups.forms import FollowupActionForm, FollowupCreateForm, FollowupOwnerForm
from webapp.followups.models import FollowUp
from webapp.submissions.models import Submission
from webapp.vocabulary import OPEN_FOLLOWUP_STATES, label

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
    form.owner.choices = [("", _("— belum ditunjuk —")), *followups.owner_choices()]
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
    create_form = followup_create_form() if may_create_from(None) else None
    return render_template("followups/list.html", items=followups.listing(current_user, status), status=status,
                           create_form=create_form, counts=followups.counts_by_status(current_user))


@bp.route("/tindak-lanjut/baru", methods=["POST"])
@login_required
def create():
    form = followup_create_form(formdata=request.form)
    source = followups.source_for(current_user, form.source.data)
    if form.validate_on_submit():
        try:
            followup = followups.create_followup(current_user, form.data_for_service(), source=source)
        except Invalid as error:
            db.session.rollback()
            put_on_form(form, error, field_of=_create_field)
        else:
            db.session.commit()
            flash(_("Tindak lanjut dibuat."), "success")
            return redirect(url_for("followups.detail", followup_id=followup.id))
    return render_template("followups/create.html", create_form=form, source=source), 422


def _create_field(name: str) -> str:
    return {"owner_id": "owner", "kegiatan_id": "kegiatan_code"}.get(name, "assignee" if name.startswith("assignee") else name)


@bp.route("/tindak-lanjut/<int:followup_id>")
@login_required
def detail(followup_id: int):
    followup = followups.get_visible(current_user, followup_id)
    return _render_followup(followup, FollowupActionForm())


def owner_form(followup: FollowUp, formdata=None) -> FollowupOwnerForm | None:
    """The form naming the owner, for those who may (only while the work is not done)."""
    if not scopes.can_assign_followup_owner(current_user, followup) or followup.status not in OPEN_FOLLOWUP_STATES:
        return None
    form = FollowupOwnerForm(formdata=formdata) if formdata is not None else FollowupOwnerForm(
        owner=str(followup.owner_id or ""))
    candidates = db.session.scalars(followups.owner_candidates(followup.assignee_opd_id, followup.assignee_kecamatan_id))
    form.owner.choices = [("", _("— pilih —"))] + [(str(u.id), u.full_name) for u in candidates]
    return form


def _render_followup(followup: FollowUp, form: FollowupActionForm, status: int = 200, owner: FollowupOwnerForm | None = None):
    return render_template(
        "followups/detail.html", followup=followup, form=form, owner_form=owner or owner_form(followup),
        actions=followups.allowed_actions(current_user, followup), history=followups.history(followup),
        late=followups.is_late(followup), completed_on=followups.completed_on(followup),
    ), status


@bp.route("/tindak-lanjut/<int:followup_id>/penanggung-jawab", methods=["POST"])
@login_required
def assign(followup_id: int):
    """Name the person who answers for the follow-up."""
    followup = followups.get_visible(current_user, followup_id)
    form = owner_form(followup, request.form)
    if form is None:
        abort(403)
    if form.validate_on_submit() and _assigned(followup, form):
        return redirect(url_for("followups.detail", followup_id=followup_id))
    return _render_followup(followups.get_visible(current_user, followup_id), FollowupActionForm(), 422, form)


def _assigned(followup: FollowUp, form: FollowupOwnerForm) -> bool:
    try:
        followups.assign_owner(current_user, followup, int(form.owner.data))
    except Invalid as error:
        db.session.rollback()
        put_on_form(form, error, field_of=lambda name: "owner")
        return False
    db.session.commit()
    flash(_("Penanggung jawab ditunjuk."), "success")
    return True


@bp.route("/tindak-lanjut/<int:followup_id>/tindakan", methods=["POST"])
@login_required
def action(followup_id: int):
    followup = followups.get_visible(current_user, followup_id)
    form = FollowupActionForm()
    if form.validate_on_submit():
        done = _apply(followup, form)
        if done is not None:
            return done
        followup = followups.get_visible(current_user, followup_id)
    return _render_followup(followup, form, 422)


def _apply(followup: FollowUp, form: FollowupActionForm):
    """Move the follow-up as the form asks: a redirect, or None with the errors on the form."""
    followup_id = followup.id
    try:
        followups.transition(current_user, followup, form.action.data, form.note.data, form.photo_bytes())
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("followups.detail", followup_id=followup_id))
    except Invalid as error:
        db.session.rollback()
        put_on_form(form, error)
        return None
    db.session.commit()
    flash(_("Status tindak lanjut: %(state)s.", state=label(followup.status)), "success")
    if request.form.get("back") == "opd":
        return redirect(url_for("dashboard.opd_desk") + f"#fu-{followup_id}")
    return redirect(url_for("followups.detail", followup_id=followup_id))


@bp.route("/tindak-lanjut/<int:followup_id>/bukti.jpg")
@login_required
def evidence(followup_id: int):
    followup = followups.get_visible(current_user, followup_id)
    if not followup.evidence_key or not storage.exists(followup.evidence_key):
        abort(404)
    response = send_file(storage.path_for(followup.evidence_key), mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
