"""Admin console: users in bulk — template, preview, confirm, initial passwords offered once."""
import base64

from flask import Response, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.accounts.bulk_import import import_users, preview_users, slips_xlsx, template_xlsx
from webapp.admin import bp, uploads

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/pengguna/impor/templat.xlsx")
def user_import_template():
    return Response(template_xlsx(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="templat-pengguna.xlsx"'})


@bp.route("/pengguna/impor", methods=["GET", "POST"])
def user_import():
    """Upload → preview (nothing written) → confirm (everything or nothing) → the initial passwords, once."""
    if request.method == "GET":
        return render_template("admin/user_import.html", **uploads.Staged().page)
    staged = uploads.stage(request.form, request.files, preview_users, lambda data, name: import_users(data, name, current_user))
    if staged.expired:
        return redirect(url_for("admin.user_import"))
    if staged.result is None:
        return render_template("admin/user_import.html", **staged.page), staged.status
    preview, slips = staged.result
    # The passwords leave the server once, inside this page; nothing keeps them.
    payload = base64.b64encode(slips_xlsx(slips)).decode() if slips else None
    response = make_response(render_template("admin/user_import_done.html", preview=preview, slips=len(slips), payload=payload))
    response.headers["Cache-Control"] = "no-store"
    return response
