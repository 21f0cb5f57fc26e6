"""Admin console: users in bulk — template, preview, confirm, initial passwords offered once."""
import base64

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.accounts.bulk_import import UsersInvalid, import_users, preview_users, slips_xlsx, template_xlsx
from webapp.admin import bp, uploads
from webapp.extensions import db
from webapp.tabular import TableError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/pengguna/impor/templat.xlsx")
def user_import_template():
    return Response(template_xlsx(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="templat-pengguna.xlsx"'})


@bp.route("/pengguna/impor", methods=["GET", "POST"])
def user_import():
    if request.method == "GET":
        return render_template("admin/user_import.html", preview=None, token=None, file_error=None)
    token = request.form.get("token", "")
    filename = request.form.get("filename", "")[:200]
    if token:
        data = uploads.load(token)
        if data is None:
            flash(_("Berkas pratinjau sudah tidak ada; unggah lagi."), "error")
            return redirect(url_for("admin.user_import"))
    else:
        upload = request.files.get("file")
        data = upload.read(uploads.MAX_UPLOAD_BYTES + 1) if upload else b""
        filename = (upload.filename if upload else "")[:200]
    try:
        if token and request.form.get("confirm") == "1":
            preview, slips = import_users(data, filename, current_user)
            db.session.commit()
            uploads.discard(token)
            # The passwords leave the server once, inside this page; nothing keeps them.
            payload = base64.b64encode(slips_xlsx(slips)).decode() if slips else None
            response = make_response(render_template("admin/user_import_done.html", preview=preview,
                                                     slips=len(slips), payload=payload))
            response.headers["Cache-Control"] = "no-store"
            return response
        preview = preview_users(data, filename)
    except TableError as exc:
        db.session.rollback()
        return render_template("admin/user_import.html", preview=None, token=None, file_error=str(exc)), 422
    except UsersInvalid as exc:
        db.session.rollback()
        preview = exc.preview
    if not token:
        token = uploads.keep(data) if preview.ok else None
    return render_template("admin/user_import.html", preview=preview, token=token, filename=filename,
                           file_error=None), 200 if preview.ok else 422
