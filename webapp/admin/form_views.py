"""Admin console: forms — versions, a preview as the phone draws it, publishing from a JSON file."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.admin import bp
from webapp.extensions import db
from webapp.forms.definition_schema import DefinitionError
from webapp.forms.models import Form, FormVersion
from webapp.forms.services import publish_version

MAX_DEFINITION_BYTES = 512 * 1024


@bp.route("/formulir", methods=["GET", "POST"])
def forms_list():
    errors, raw_error = {}, None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_DEFINITION_BYTES + 1) if upload else b""
        try:
            if len(data) > MAX_DEFINITION_BYTES:
                raise ValueError(_("Berkas lebih dari 512 KB."))
            document = json.loads(data.decode("utf-8-sig"))
            version = publish_version(document, current_user)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            db.session.rollback()
            raw_error = _("Berkas bukan JSON yang sah: %(error)s", error=str(exc))
        except DefinitionError as exc:
            db.session.rollback()
            errors = exc.errors if isinstance(exc.errors, dict) else {"_": [str(exc)]}
        except ValueError as exc:
            db.session.rollback()
            raw_error = str(exc)
        else:
            db.session.commit()
            flash(_("%(form)s versi %(version)s diterbitkan.", form=version.form.code, version=version.version), "info")
            return redirect(url_for("admin.form_preview", version_id=version.id))
    forms = list(db.session.scalars(select(Form).options(selectinload(Form.versions)).order_by(Form.code)))
    status = 422 if errors or raw_error else 200
    return render_template("admin/forms.html", forms=forms, errors=errors, raw_error=raw_error), status


@bp.route("/formulir/versi/<int:version_id>")
def form_preview(version_id: int):
    version = db.session.get(FormVersion, version_id)
    if version is None:
        abort(404)
    return render_template("admin/form_preview.html", version=version,
                           definition=json.dumps(version.definition, ensure_ascii=False))
