"""Admin console: forms — versions, a preview as the phone draws it, publishing from a JSON file."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.admin import bp
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.forms.models import Form, FormVersion
from webapp.forms.services import MAX_DEFINITION_BYTES, publish_file


@bp.route("/formulir", methods=["GET", "POST"])
def forms_list():
    errors, raw_error = {}, None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            version = publish_file(upload.read(MAX_DEFINITION_BYTES + 1) if upload else b"", current_user)
        except Invalid as exc:
            db.session.rollback()
            errors, raw_error = exc.errors, None if exc.errors else exc.message
        else:
            db.session.commit()
            flash(_("%(form)s versi %(version)s diterbitkan.", form=version.form.code, version=version.version), "info")
            return redirect(url_for("admin.form_preview", version_id=version.id))
    forms = list(db.session.scalars(select(Form).options(selectinload(Form.versions)).order_by(Form.code)))
    return render_template("admin/forms.html", forms=forms, errors=errors, raw_error=raw_error), 422 if errors or raw_error else 200


@bp.route("/formulir/versi/<int:version_id>")
def form_preview(version_id: int):
    version = db.session.get(FormVersion, version_id)
    if version is None:
        abort(404)
    return render_template("admin/form_preview.html", version=version,
                           definition=json.dumps(version.definition, ensure_ascii=False))
