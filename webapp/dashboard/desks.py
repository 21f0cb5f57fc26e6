"""The desk of each role, the review pages and the follow-up pages (HTML).

Routes stay thin: they pick the scope, call figures or a service, commit once, render.
Access is decided in webapp/scopes.py; every query here starts from it.
"""
import uuid as uuidlib

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp import scopes, storage
from webapp.accounts.models import Opd
from webapp.dashboard import bp, figures, formatting  # noqa: F401  (formatting: the template filters)
from webapp.errors import ApiError
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.followups.forms import FollowupActionForm, FollowupCreateForm
from webapp.followups.models import FOLLOWUP_STATES, FollowUp
from webapp.i18n import current_locale
from webapp.opd_reports import services as opd_report_services
from webapp.review import rendering
from webapp.review import services as review
from webapp.review.forms import ReviewForm
from webapp.submissions.models import Attachment, Submission


def _require_desk(desk: str) -> None:
    if not scopes.can_open_desk(current_user, desk):
        abort(403)


# --- desks ---------------------------------------------------------------------------------------

@bp.route("/camat")
@login_required
def camat_desk():
    _require_desk("camat")
    if current_user.role == "camat":
        kecamatan = current_user.kecamatan
    else:
        options = list(db.session.scalars(scopes.kecamatan_query(current_user)))
        code = request.args.get("kecamatan")
        kecamatan = next((k for k in options if k.code == code), options[0] if options else None)
    if kecamatan is None:
        abort(404)
    desk = figures.camat_desk(current_user, kecamatan)
    choices = [] if current_user.role == "camat" else list(db.session.scalars(scopes.kecamatan_query(current_user)))
    return render_template("dashboard/desks/camat.html", desk=desk, choices=choices)


@bp.route("/bappeda")
@login_required
def bappeda_desk():
    _require_desk("bappeda")
    desk = figures.bappeda_desk(current_user)
    return render_template("dashboard/desks/bappeda.html", desk=desk, charts=figures.bappeda_charts(desk),
                           status_labels=figures.option_labels(figures.MONEV_VISIT, "status"))


@bp.route("/opd")
@login_required
def opd_desk():
    _require_desk("opd")
    if current_user.role == "opd":
        opd = current_user.opd
        choices = []
    else:
        choices = list(db.session.scalars(select(Opd).order_by(Opd.name)))
        code = request.args.get("opd")
        opd = next((o for o in choices if o.code == code), choices[0] if choices else None)
    if opd is None:
        abort(404)
    desk = figures.opd_desk(current_user, opd)
    year, month = opd_report_services.parse_month(request.args.get("bulan"), opd_report_services.reporting_month())
    return render_template("dashboard/desks/opd.html", desk=desk, choices=choices,
                           report_year=year, report_month=month,
                           report_rows=opd_report_services.month_rows(current_user, opd.id, year, month),
                           report_deadline=opd_report_services.deadline_for(year, month),
                           allowed=lambda f: followups.allowed_actions(current_user, f),
                           status_labels=figures.option_labels(figures.MONEV_VISIT, "status"))


@bp.route("/kiriman-saya")
@login_required
def my_submissions():
    # What needs the monitor's hand (returned for correction) comes first; otherwise newest first.
    items = sorted(figures.my_submissions(current_user), key=lambda s: s.review_state != "returned")
    counts = {state: sum(1 for s in items if s.review_state == state) for state in review.STATE_LABELS}
    return render_template("dashboard/desks/monitor.html", items=items, counts=counts)


# --- review ----------------------------------------------------------------------------------------

@bp.route("/tinjauan")
@login_required
def review_list():
    _require_desk("review")
    state = request.args.get("status", "received")
    if state not in review.STATE_LABELS:
        state = "received"
    form_code = request.args.get("form") or None
    flagged_only = request.args.get("ditandai") == "1"
    items, total = figures.review_queue(current_user, state=state, form_code=form_code, flagged_only=flagged_only)
    return render_template("review/list.html", items=items, total=total, state=state, form_code=form_code,
                           flagged_only=flagged_only)


def _submission_in_scope(uuid) -> Submission:
    try:
        return review.get_for_review(current_user, uuid)
    except ApiError:
        abort(404)


@bp.route("/tinjauan/<uuid:uuid>", methods=["GET", "POST"])
@login_required
def review_detail(uuid):
    submission = _submission_in_scope(uuid)
    form = ReviewForm()
    if request.method == "POST":
        if not scopes.can_review(current_user, submission):
            abort(403)
        if form.validate_on_submit():
            try:
                review.review(current_user, submission, form.action.data, form.note.data)
            except ApiError as error:
                if error.status != 422 and error.status != 409:
                    raise
                db.session.rollback()
                if error.status == 409:
                    flash(error.message, "error")
                    return redirect(url_for("dashboard.review_detail", uuid=uuid))
                form.note.errors = list(error.errors.get("note", [])) or [error.message]
                submission = _submission_in_scope(uuid)
            else:
                db.session.commit()
                flash(_("Keputusan tersimpan: %(state)s.", state=review.state_label(submission.review_state)), "success")
                return redirect(_next_in_queue(submission) or url_for("dashboard.review_detail", uuid=uuid))
    create_form = _followup_create_form(source=submission) if _may_create_from(submission) else None
    return render_template(
        "review/detail.html", submission=submission, form=form, create_form=create_form,
        can_review=scopes.can_review(current_user, submission), actions=review.allowed_actions(submission),
        answers=rendering.answer_rows(submission, current_locale()),
        flags=rendering.flag_lines(submission.flags, current_app.config),
        history=review.review_history(submission),
        followups_made=list(db.session.scalars(
            scopes.followups_query(current_user).where(FollowUp.source_submission_id == submission.id)
        )),
        recommendation=followups.recommendation_of(submission),
    ), (422 if form.errors else 200)


def _next_in_queue(done: Submission) -> str | None:
    """After a decision the reviewer goes on to the next waiting item of the same form."""
    items, _total = figures.review_queue(current_user, form_code=done.form_code, limit=1)
    return url_for("dashboard.review_detail", uuid=items[0].uuid) if items else url_for("dashboard.review_list")


@bp.route("/tinjauan/<uuid:uuid>/foto/<uuid:photo>")
@login_required
def review_photo(uuid, photo):
    """The display copy (re-encoded, 1600 px) of a photo of a submission in the user's scope.

    Thumbnails come from the map's scoped route (dashboard.photo_thumbnail); the original upload
    is never served.
    """
    from webapp.submissions.photos import display_key

    submission = _submission_in_scope(uuid)
    att = db.session.scalar(select(Attachment).where(Attachment.uuid == photo, Attachment.submission_id == submission.id))
    if att is None or att.state != "processed":
        abort(404)
    key = display_key(att)
    if not storage.exists(key):
        abort(404)
    response = send_file(storage.path_for(key), mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# --- follow-ups ------------------------------------------------------------------------------------

def _may_create_from(submission: Submission | None) -> bool:
    return scopes.can_create_followup(current_user, submission, None) or scopes.can_create_followup(
        current_user, submission, current_user.kecamatan_id)


def _followup_create_form(source: Submission | None = None, formdata=None) -> FollowupCreateForm:
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
def followup_list():
    _require_desk("followups")
    status = request.args.get("status") or "aktif"
    stmt = scopes.followups_query(current_user)
    if status == "aktif":
        stmt = stmt.where(FollowUp.status.in_(followups.OPEN_STATES))
    elif status == "terlambat":
        stmt = stmt.where(followups.overdue_clause())
    elif status in FOLLOWUP_STATES:
        stmt = stmt.where(FollowUp.status == status)
    items = list(db.session.scalars(stmt.order_by(FollowUp.due_date, FollowUp.id).limit(200)))
    create_form = _followup_create_form() if _may_create_from(None) else None
    return render_template("followups/list.html", items=items, status=status, create_form=create_form,
                           counts=figures.followups_by_status(current_user))


@bp.route("/tindak-lanjut/baru", methods=["POST"])
@login_required
def followup_create():
    form = _followup_create_form(formdata=request.form)
    source = None
    if form.source.data:
        try:
            source = _submission_in_scope(uuidlib.UUID(form.source.data))
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
    return redirect(url_for("dashboard.followup_detail", followup_id=followup.id))


def _render_create_errors(form, source):
    return render_template("followups/create.html", create_form=form, source=source), 422


@bp.route("/tindak-lanjut/<int:followup_id>")
@login_required
def followup_detail(followup_id: int):
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
def followup_action(followup_id: int):
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
            return redirect(url_for("dashboard.followup_detail", followup_id=followup_id))
        if error.status not in (413, 422):
            raise
        followup = _followup_in_scope(followup_id)
        for name, messages in error.errors.items():
            target = getattr(form, name, None)
            if target is not None:
                target.errors = list(target.errors) + list(messages)
        return _render_followup(followup, form, 422)
    db.session.commit()
    flash(_("Status tindak lanjut: %(state)s.", state=followups.state_label(followup.status)), "success")
    back = request.form.get("back")
    if back == "opd":
        return redirect(url_for("dashboard.opd_desk") + f"#fu-{followup_id}")
    return redirect(url_for("dashboard.followup_detail", followup_id=followup_id))


@bp.route("/tindak-lanjut/<int:followup_id>/bukti.jpg")
@login_required
def followup_evidence(followup_id: int):
    followup = _followup_in_scope(followup_id)
    if not followup.evidence_key or not storage.exists(followup.evidence_key):
        abort(404)
    response = send_file(storage.path_for(followup.evidence_key), mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response

