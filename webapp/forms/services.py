"""Form definitions in the database: loading the built-in ones, publishing new versions."""
import json
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from webapp import audit
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.forms.definition_schema import DefinitionError, check_definition
from webapp.forms.models import Form, FormVersion

DEFINITIONS_DIR = Path(__file__).parent / "definitions"


def _get_or_create_form(doc: dict) -> Form:
    form = db.session.scalar(select(Form).where(Form.code == doc["form"]))
    if form is None:
        form = Form(code=doc["form"], programme=doc["programme"], title=doc["title"]["id"])
        db.session.add(form)
        db.session.flush()
    return form


def load_builtin_forms() -> int:
    """Insert the shipped definitions that are not in the database yet; returns how many were added."""
    added = 0
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        doc = check_definition(json.loads(path.read_text(encoding="utf-8")))
        form = _get_or_create_form(doc)
        exists = db.session.scalar(
            select(FormVersion.id).where(FormVersion.form_id == form.id, FormVersion.version == doc["version"])
        )
        if exists is None:
            db.session.add(FormVersion(form_id=form.id, version=doc["version"], definition=doc))
            added += 1
    db.session.flush()
    return added


def publish_version(doc: dict, user=None) -> FormVersion:
    """Publish a new version of a form; its number must follow the latest one."""
    doc = check_definition(doc)
    form = _get_or_create_form(doc)
    latest = db.session.scalar(
        select(FormVersion.version).where(FormVersion.form_id == form.id).order_by(FormVersion.version.desc()).limit(1)
    )
    if latest is not None and doc["version"] <= latest:
        raise DefinitionError({"version": [f"Versi harus lebih besar dari {latest}."]})
    version = FormVersion(form_id=form.id, version=doc["version"], definition=doc, published_by_id=getattr(user, "id", None))
    form.title = doc["title"]["id"]
    db.session.add(version)
    db.session.flush()
    audit.record(user, "form.publish", "form_version", version.id, None, {"form": form.code, "version": version.version})
    return version


#: The largest form definition file the console accepts.
MAX_DEFINITION_BYTES = 512 * 1024


def publish_file(data: bytes, user=None) -> FormVersion:
    """Publish a version from an uploaded JSON file. Refuses with Invalid: the file's problem as
    the message (too large, not JSON), or the definition's errors by document path."""
    if len(data) > MAX_DEFINITION_BYTES:
        raise Invalid(_("Berkas lebih dari 512 KB."))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(_("Berkas bukan JSON yang sah: %(error)s", error=str(exc))) from None
    try:
        return publish_version(document, user)
    except DefinitionError as exc:
        raise Invalid(str(exc), exc.errors if isinstance(exc.errors, dict) else {"_": [str(exc)]}) from None


def current_versions() -> list[FormVersion]:
    """The newest version of every form (with its form), by form code, in one query."""
    # One query, not the forms and then each form's versions (a desk asks for the labels of the
    # visit form's options more than once per request).
    newest = (select(FormVersion.form_id, func.max(FormVersion.version).label("version"))
              .group_by(FormVersion.form_id).subquery())
    return list(db.session.scalars(
        select(FormVersion)
        .join(newest, (FormVersion.form_id == newest.c.form_id) & (FormVersion.version == newest.c.version))
        .join(FormVersion.form).options(contains_eager(FormVersion.form)).order_by(Form.code)
    ))


def find_version(code: str, version: int) -> FormVersion | None:
    return db.session.scalar(
        select(FormVersion).join(Form).where(Form.code == code, FormVersion.version == version)
    )
