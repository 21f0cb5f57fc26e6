"""Commands under `flask --app webapp`."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.domain_errors import Invalid
from webapp.extensions import db


def _fail(message: str) -> None:
    click.echo(click.style(message, fg="red"), err=True)
    sys.exit(1)


@click.command("seed-regions")
@with_appcontext
@click.option("--region", default=None, help="Kemendagri regency code (default: REGION_CODE).")
def seed_regions_command(region):
    """Load the regency's kecamatan and desa, and the standard OPD list."""
    from webapp.accounts.opds import seed_opds
    from webapp.regions.services import seed_regions

    code = region or current_app.config["REGION_CODE"]
    try:
        result = seed_regions(code)
    except ValueError as exc:
        _fail(str(exc))
    opds = seed_opds()
    db.session.commit()
    click.echo(f"{result.regency}: {result.kecamatan} kecamatan, {result.desa} desa/kelurahan; {opds} OPD.")


@click.command("setup")
@with_appcontext
@click.option("--region", default=None, help="Kemendagri regency code (default: REGION_CODE).")
def setup_command(region):
    """Migrate the schema, load regions, OPDs and the built-in forms; safe to run again."""
    from flask_migrate import upgrade

    from webapp.accounts.opds import seed_opds
    from webapp.forms.services import load_builtin_forms
    from webapp.regions.services import seed_regions

    upgrade()
    code = region or current_app.config["REGION_CODE"]
    try:
        result = seed_regions(code)
    except ValueError as exc:
        _fail(str(exc))
    opds = seed_opds()
    forms = load_builtin_forms()
    db.session.commit()
    click.echo(f"Skema mutakhir. {result.regency}: {result.kecamatan} kecamatan, {result.desa} desa/kelurahan; "
               f"{opds} OPD; {forms} versi formulir baru.")


@click.command("load-forms")
@with_appcontext
def load_forms_command():
    """Load the built-in form definitions that are not in the database yet."""
    from webapp.forms.services import load_builtin_forms

    added = load_builtin_forms()
    db.session.commit()
    click.echo(f"{added} versi formulir baru dimuat.")


@click.command("publish-form")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def publish_form_command(path):
    """Publish a new version of a form from a JSON definition file."""
    import json

    from webapp.forms.definition_schema import DefinitionError
    from webapp.forms.services import publish_version

    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        version = publish_version(document)
    except (ValueError, DefinitionError) as exc:
        db.session.rollback()
        errors = getattr(exc, "errors", None)
        _fail("Formulir tidak diterbitkan:\n" + ("\n".join(f"{k}: {' '.join(v)}" for k, v in errors.items()) if errors else str(exc)))
    db.session.commit()
    click.echo(f"{version.form.code} versi {version.version} diterbitkan.")


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True)
@click.option("--name", "full_name", default=None)
@click.option("--kecamatan", default=None, help="Kecamatan code, e.g. 17.01.05")
@click.option("--opd", default=None, help="OPD code, e.g. DLH")
def create_user_command(username, password, role, full_name, kecamatan, opd):
    """Create a user with a role and its scope."""
    from webapp.accounts.services import create_user

    try:
        user = create_user(username, password, role, full_name=full_name, kecamatan_code=kecamatan, opd_code=opd)
    except Invalid as exc:
        _fail("; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.errors.items()))
    db.session.commit()
    click.echo(f"Pengguna {user.username} ({user.role}) dibuat.")


@click.command("opd-head")
@with_appcontext
@click.argument("code")
@click.option("--name", required=True, help="Full name with titles, as signed")
@click.option("--nip", default=None, help="The 18-digit NIP")
@click.option("--title", default=None, help='The position, when not "Kepala <name of the OPD>"')
def opd_head_command(code, name, nip, title):
    """Record who heads an OPD and signs its printed reports (RFK, RKPD evaluation)."""
    from webapp.accounts.opds import set_head

    try:
        opd = set_head(code, name, nip, title)
    except Invalid as exc:
        _fail("; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.errors.items()))
    db.session.commit()
    click.echo(f"{opd.signer_title}: {opd.head_name} (NIP {opd.head_nip or '-'})")


@click.command("import-boundaries")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_boundaries_command(path):
    """Attach kecamatan or desa polygons from a GeoJSON file."""
    from webapp.regions.imports import ImportError_, import_boundaries

    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = import_boundaries(data)
    except ImportError_ as exc:
        db.session.rollback()
        _fail("Tidak ada yang diimpor:\n" + "\n".join(exc.problems))
    db.session.commit()
    click.echo(f"Batas wilayah diimpor: {result.kecamatan} kecamatan, {result.desa} desa.")


@click.command("import-sites")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_sites_command(path):
    """Add sites from a CSV file (name, kind, desa_code, lat, lon[, uuid])."""
    from webapp.regions.imports import ImportError_
    from webapp.sites.imports import import_sites
    from webapp.regions.services import region_bbox

    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = import_sites(data, region_bbox(current_app.config))
    except ImportError_ as exc:
        db.session.rollback()
        _fail("Tidak ada yang diimpor:\n" + "\n".join(exc.problems))
    db.session.commit()
    click.echo(f"{result.sites} lokasi diimpor.")


@click.command("import-kegiatan")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
def import_kegiatan_command(path, dry_run):
    """Import the DPA (program, kegiatan, sub kegiatan, monthly plans) from CSV or XLSX."""
    import os

    from webapp.monev.dpa import ERROR, DpaInvalid, import_dpa, preview_dpa
    from webapp.tabular import TableError

    with open(path, "rb") as handle:
        data = handle.read()
    name = os.path.basename(path)
    try:
        preview = preview_dpa(data, name) if dry_run else import_dpa(data, name)
    except TableError as exc:
        db.session.rollback()
        _fail(f"Tidak ada yang diimpor: {exc}")
    except DpaInvalid as exc:
        db.session.rollback()
        preview = exc.preview
    for result in preview.results:
        if result.status == ERROR:
            click.echo(f"Baris {result.line} ({result.code or '-'}): " + "; ".join(result.reasons), err=True)
        elif result.changes:
            click.echo(f"Baris {result.line} ({result.code}): berubah — {', '.join(result.changes)}")
    summary = (f"{preview.count('new')} baru, {preview.count('changed')} berubah, "
               f"{preview.count('unchanged')} tetap, {preview.count('error')} bermasalah.")
    if not preview.ok:
        _fail(f"Tidak ada yang diimpor: {summary}" if preview.results else "Tidak ada yang diimpor: berkas tanpa baris data.")
    if dry_run:
        click.echo(f"Uji coba, tidak ada yang ditulis: {summary}")
        return
    db.session.commit()
    click.echo(f"DPA diimpor: {summary}")


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Demo accounts (one per role), sites and activities; prints the logins."""
    from webapp import demo

    if current_app.config.get("ENV_NAME") == "production":
        _fail("demo-data is refused in production.")
    logins = demo.create_demo_accounts()
    sites = demo.create_demo_sites()
    kegiatan = demo.create_demo_kegiatan()
    db.session.commit()
    submissions = demo.create_demo_submissions()
    db.session.commit()
    click.echo(f"Data demo: {sites} lokasi baru, {kegiatan} kegiatan baru, {submissions} kiriman baru.")
    click.echo("Akun demo (nama pengguna / kata sandi / peran):")
    for username, role, password in logins:
        click.echo(f"  {username:<18} {password:<14} {role}")
    click.echo("  (dan satu petugas per kecamatan lain: petugas.170101 … petugas.170111, kata sandi yang sama)")


@click.command("worker")
@click.option("--queue", "queues", multiple=True, default=["default"], help="Queues to listen on.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--with-scheduler", is_flag=True, help="Also run the scheduled jobs (monthly report, weekly digest).")
@with_appcontext
def worker_command(queues, burst, with_scheduler):
    """Run an rq worker inside the app (needs REDIS_URL); jobs run in its own process, not forked."""
    from webapp.jobs import app_worker, redis_connection

    if not current_app.config.get("REDIS_URL"):
        _fail("REDIS_URL is not set: without Redis, jobs run inline and no worker is needed.")
    connection = redis_connection()
    _sweep()  # jobs lost while Redis or a worker was down are owed first
    if with_scheduler:
        from webapp.schedule import register_schedule

        register_schedule(connection)
    app_worker(current_app._get_current_object(), queues, connection).work(burst=burst, with_scheduler=with_scheduler)


def _sweep(temp_age_s: float | None = None) -> None:
    from webapp.jobs_sweep import TEMP_FILE_AGE_S, requeue_pending

    result = requeue_pending(TEMP_FILE_AGE_S if temp_age_s is None else temp_age_s)
    click.echo(f"Disusulkan: {result.photos} foto, {result.sites} lokasi; {result.temp_files} berkas sementara dan "
               f"{result.import_files} pratinjau impor ditinggalkan dihapus.")


@click.command("requeue-pending")
@click.option("--temp-age", type=float, default=None, help="Delete temporary files older than this (seconds).")
@with_appcontext
def requeue_pending_command(temp_age):
    """Enqueue photo and site-status jobs the database says are still owed (after Redis or a worker was down)."""
    _sweep(temp_age)


@click.command("unlock-user")
@click.option("--username", required=True)
@with_appcontext
def unlock_user_command(username):
    """Lift the lock an account got after too many wrong passwords."""
    from sqlalchemy import select

    from webapp.accounts.lockout import unlock_account
    from webapp.accounts.models import User

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        _fail(f"Pengguna {username} tidak ada.")
    lifted = unlock_account(user, None)
    db.session.commit()
    click.echo(f"Kunci akun {user.username} dibuka." if lifted else f"Akun {user.username} tidak terkunci.")


@click.command("rerender-photos")
@with_appcontext
def rerender_photos_command():
    """Make every processed photo's display copy and thumbnail again from its original."""
    from webapp.submissions.photo_rerender import rerender_processed

    def progress(result):
        click.echo(f"  {result.rendered + result.failed} dari {result.total} foto")

    result = rerender_processed(progress)
    summary = f"{result.rendered} foto dibuat ulang, {result.webp_removed} salinan WebP lama dihapus."
    if result.failed:
        _fail(f"{summary} {result.failed} foto gagal dibuat ulang (lihat log); salinan lamanya tetap.")
    click.echo(summary)


@click.command("repair-times")
@with_appcontext
def repair_times_command():
    """Set recorded_at outside the accepted window back to when the server received it."""
    from webapp.submissions.repair import repair_recorded_times

    count = repair_recorded_times()
    db.session.commit()
    click.echo(f"{count} kiriman dengan waktu rekam mustahil diperbaiki.")


def init_app(app) -> None:
    from webapp.pwa.rescue import import_outbox_command
    from webapp.reports.cli import cli as reports_cli

    for command in (
        setup_command,
        seed_regions_command,
        load_forms_command,
        publish_form_command,
        create_user_command,
        import_boundaries_command,
        import_sites_command,
        import_kegiatan_command,
        demo_data_command,
        worker_command,
        requeue_pending_command,
        repair_times_command,
        rerender_photos_command,
        unlock_user_command,
        import_outbox_command,
        opd_head_command,
        reports_cli,
    ):
        app.cli.add_command(command)
