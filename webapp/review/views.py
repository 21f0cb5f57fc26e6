"""The review pages (HTML): the queue of submissions waiting for review, one submission with its
decision form, and the display copy of its photos.

Access is decided in webapp/scopes.py; every query here starts from it.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp import scopes
from webapp.display import answer_rows, flag_lines
from webapp.domain_errors import Conflict, Invalid
from webapp.errors import put_on_form
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.followups.views import followup_create_form, may_create_from
from webapp.i18n import current_locale
from webapp.review import services as review
from webapp.review.forms import ReviewForm
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.submissions.photos import display_file
from webapp.vocabulary import ReviewState, label

bp = Blueprint("review", __name__)


@bp.route("/tinjauan")
@login_required
def index():
    if not scopes.can_open_desk(current_user, "review"):
        abort(403)
    state = request.args.get("status", ReviewState.RECEIVED)
    if state not in ReviewState.values():
        state = ReviewState.RECEIVED
    form_code = request.args.get("form") or None
    flagged_only = request.args.get("ditandai") == "1"
    items, total = review.queue(current_user, state=state, form_code=form_code, flagged_only=flagged_only)
    return render_template("review/list.html", items=items, total=total, state=state, form_code=form_code,
                           flagged_only=flagged_only)


@bp.route("/tinjauan/<uuid:uuid>", methods=["GET", "POST"])
@login_required
def detail(uuid):
    submission = submissions.get_visible(current_user, uuid)
    form = ReviewForm()
    if request.method == "POST":
        if not scopes.can_review(current_user, submission):
            abort(403)
        if form.validate_on_submit():
            done = _decide(submission, form)
            if done is not None:
                return done
            submission = submissions.get_visible(current_user, uuid)
    return _render_detail(submission, form)


def _decide(submission: Submission, form: ReviewForm):
    """Apply the reviewer's decision: a redirect, or None with the errors on the form."""
    uuid = submission.uuid
    try:
        review.review(current_user, submission, form.action.data, form.note.data)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("review.detail", uuid=uuid))
    except Invalid as error:
        db.session.rollback()
        put_on_form(form, error, fallback="note")
        return None
    db.session.commit()
    flash(_("Keputusan tersimpan: %(state)s.", state=label(submission.review_state)), "success")
    return redirect(_next_in_queue(submission) or url_for("review.detail", uuid=uuid))


def _render_detail(submission: Submission, form: ReviewForm):
    create_form = followup_create_form(source=submission) if may_create_from(submission) else None
    return render_template(
        "review/detail.html", submission=submission, form=form, create_form=create_form,
        can_review=scopes.can_review(current_user, submission), actions=review.allowed_actions(submission),
        answers=answer_rows(submission, current_locale()),
        flags=flag_lines(submission.flags, current_app.config),
        history=review.review_history(submission),
        followups_made=followups.made_from(current_user, submission),
        recommendation=followups.recommendation_of(submission),
    ), (422 if form.errors else 200)


def _next_in_queue(done: Submission) -> str | None:
    """After a decision the reviewer goes on to the next waiting item of the same form."""
    items, _total = review.queue(current_user, form_code=done.form_code, limit=1)
    return url_for("review.detail", uuid=items[0].uuid) if items else url_for("review.index")


@bp.route("/tinjauan/<uuid:uuid>/foto/<uuid:photo>")
@login_required
def photo(uuid, photo):
    """The display copy (1600 px, without metadata) of a photo of a submission in the user's scope.

    Thumbnails come from the map's scoped route (maps.photo_thumbnail); the original upload
    is never served.
    """
    path = display_file(current_user, uuid, photo)
    response = send_file(path, max_age=86400)  # image/jpeg or image/webp, by the copy's name
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
