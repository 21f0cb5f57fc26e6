"""Ingesting what the phone sends: idempotent batches and photo uploads.

Every item is validated before anything is written; the batch is written in one flush with a
savepoint per item as the fallback, so one bad or racing item never blocks or half-writes the
others. A replayed UUID with the same content is a duplicate; with other content, a conflict.
"""
import functools
import hashlib
import json
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter

import orjson
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import bindparam, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.domain_errors import Busy, NotFound
from webapp.extensions import db
from webapp.forms.models import Form, FormVersion
from webapp.forms.validator import AnswersValidator, compile_answers, english
from webapp.monev.models import Kegiatan
from webapp.regions.models import Desa
from webapp.regions.services import in_bbox, region_bbox
from webapp.security import has_bad_chars, json_depth
from webapp.sites.models import Site
from webapp.submissions.flags import evidence_flags
from webapp.submissions.item_loader import load_item
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.resubmission import resubmitted
from webapp.submissions.schemas import SubmissionItemSchema
from webapp.types import in_list, recorded_window, utcnow
from webapp.vocabulary import AttachmentState, ItemOutcome, ReviewState, SyncState

MSG_CONFLICT = "UUID ini sudah dipakai untuk kiriman dengan isi berbeda; versi pertama disimpan."
MSG_UNKNOWN_FORM = "Formulir atau versinya tidak dikenal."
MSG_OUTSIDE_REGENCY = "Koordinat di luar wilayah kabupaten."
MSG_SITE_OUT_OF_SCOPE = "Lokasi ini di luar wilayah tugas Anda."
MSG_SITE_UNKNOWN = "Lokasi tidak dikenal; kirim data lokasi barunya."
MSG_DESA_UNKNOWN = "Kode desa tidak ada di kabupaten ini."
MSG_DESA_OUT_OF_SCOPE = "Anda tidak boleh menambah lokasi di desa ini."
MSG_NOT_A_PHOTO_FIELD = "Bukan kolom foto pada formulir ini."
MSG_ATTACHMENT_TAKEN = "UUID lampiran ini sudah dipakai kiriman lain."
MSG_ATTACHMENT_TWICE = "Lampiran yang sama dideklarasikan dua kali."
MSG_ATTACHMENT_UNUSED = "Lampiran tidak dipakai di jawaban kolomnya."
MSG_ITEM_NOT_OBJECT = "Setiap kiriman harus berupa objek JSON."
MSG_SITE_REQUIRED = "Wajib diisi."
MSG_TOO_DEEP = "Kiriman terlalu bersarang."
#: The deepest an item may be: a repeat group of objects in the answers is 5 levels down.
ITEM_MAX_DEPTH = 16


@dataclass
class ItemResult:
    uuid: str | None
    status: ItemOutcome
    errors: dict = field(default_factory=dict)
    missing_attachments: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    """A valid item, ready to be written."""

    index: int
    data: dict
    content_hash: str
    version: "KnownVersion"
    score: float | None
    flags: dict
    kegiatan_id: int | None
    site: Site | None
    new_site: dict | None
    new_site_desa: Desa | None


@dataclass(frozen=True)
class KnownVersion:
    """A published form version: its row id and its definition (never changed once published)."""

    id: int
    definition: dict
    validate: AnswersValidator
    photo_fields: frozenset


def _known_version(version_id: int, published_at) -> KnownVersion:
    """A version with its definition and compiled answers validator, read from the database and
    compiled once per process (keyed by id and publication time, so a row id reused after a
    deletion is never mistaken for the old version)."""
    cache = current_app.extensions.setdefault("pantau.form_versions", {})
    key = (version_id, published_at)
    if key not in cache:
        definition = db.session.scalar(select(FormVersion.definition).where(FormVersion.id == version_id))
        photo_fields = frozenset(f["name"] for f in definition["fields"] if f.get("type") == "photo")
        cache[key] = KnownVersion(version_id, definition, compile_answers(definition), photo_fields)
    return cache[key]


class LazyOptions(Mapping):
    """Named option lists computed on first use: most forms need none, and each costs a query."""

    def __init__(self, loaders: dict):
        self._loaders = loaders
        self._loaded: dict = {}

    def __getitem__(self, key):
        if key not in self._loaded:
            self._loaded[key] = self._loaders[key]()
        return self._loaded[key]

    def __contains__(self, key):
        return key in self._loaders

    def __iter__(self):
        return iter(self._loaders)

    def __len__(self):
        return len(self._loaders)


@functools.cache
def _item_schema() -> SubmissionItemSchema:
    """One instance per process: a marshmallow schema is reusable, and building one deep-copies its fields."""
    return SubmissionItemSchema()


def content_hash(raw: dict) -> str:
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # A lone surrogate is refused by the checks that follow; the hash must not fail on it first.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _translate():
    return english if str(get_locale() or "id") == "en" else None


@dataclass(frozen=True)
class _Statements:
    sites: object
    sites_by_id: object
    attachment_owners: object
    version: object
    existing: object
    insert_site: object


def _statements() -> _Statements:
    return _statements_for(db.session.get_bind().dialect.name)


@functools.cache
def _statements_for(dialect: str) -> _Statements:
    """The hot path's statements, built once: building a statement costs more CPU than running it."""
    site_columns = (Site.id, Site.uuid, Site.kecamatan_id, Site.lat, Site.lon, Site.merged_into_id)
    return _Statements(
        sites=select(*site_columns).where(in_list(Site.uuid, "uuids", dialect)),
        sites_by_id=select(*site_columns).where(in_list(Site.id, "ids", dialect)),
        attachment_owners=select(Attachment.uuid, Submission.uuid).join(Submission)
        .where(in_list(Attachment.uuid, "uuids", dialect)),
        version=select(FormVersion.id, FormVersion.published_at).join(Form)
        .where(Form.code == bindparam("code"), FormVersion.version == bindparam("number")),
        existing=select(Submission.id).where(in_list(Submission.uuid, "uuids", dialect)),
        # Core inserts on the tables: the ORM's bulk path costs more than the statement itself.
        insert_site=insert(Site.__table__).returning(Site.uuid, Site.id, sort_by_parameter_order=True),
    )


class BatchContext:
    """Reference data a batch needs, each looked up once."""

    def __init__(self, user):
        self.user = user
        self.bbox = region_bbox(current_app.config)
        self.recorded_window = recorded_window(current_app.config)
        #: The validator's message language, asked once: the locale is the request's, not the item's.
        self.translate = _translate()
        self._versions: dict = {}
        self._kegiatan: dict[str, int] | None = None
        self._opd: set[str] | None = None
        self._desa: dict[str, Desa] | None = None
        self._options: LazyOptions | None = None
        self.sites: dict = {}
        self.sites_in_scope: set[int] = set()
        self.taken_attachments: dict = {}

    def preload(self, items: list[dict]) -> None:
        # Plain Core statements on the session's connection: the ORM's execution layer would cost
        # more than the look-ups themselves (no object is loaded, nothing waits to be flushed).
        connection = db.session.connection()
        site_uuids = {i["site"]["uuid"] for i in items if i.get("site")}
        if site_uuids:
            # One round trip: the sites (as rows, not ORM objects) and whether each is in the user's scope.
            # The scope's own condition, evaluated on each site row (not a scan of every site in scope).
            condition = scopes.sites_query(self.user).whereclause
            in_scope = (condition if condition is not None else true()).label("in_scope")
            rows = list(connection.execute(_statements().sites.add_columns(in_scope), {"uuids": list(site_uuids)}))
            # A phone may still send a site an admin merged into another since: it goes to the survivor.
            merged_into = {r.merged_into_id for r in rows if r.merged_into_id}
            survivors = {}
            if merged_into:
                survivors = {r.id: r for r in connection.execute(
                    _statements().sites_by_id.add_columns(in_scope), {"ids": list(merged_into)})}
            self.sites = {r.uuid: survivors.get(r.merged_into_id, r) if r.merged_into_id else r for r in rows}
            self.sites_in_scope = {r.id for r in self.sites.values() if r.in_scope}
        att_uuids = {a["uuid"] for i in items for a in i.get("attachments", [])}
        if att_uuids:
            rows = connection.execute(_statements().attachment_owners, {"uuids": list(att_uuids)})
            self.taken_attachments = {a: s for a, s in rows}

    def version(self, code: str, number: int) -> "KnownVersion | None":
        key = (code, number)
        if key not in self._versions:
            row = db.session.connection().execute(_statements().version, {"code": code, "number": number}).first()
            self._versions[key] = None if row is None else _known_version(row.id, row.published_at)
        return self._versions[key]

    def options(self) -> "LazyOptions":
        """The option lists a form may draw from, read only when a field of the form asks (once a batch)."""
        if self._options is None:
            self._options = LazyOptions({"kegiatan": lambda: set(self.kegiatan()), "opd": self.opd_codes})
        return self._options

    def kegiatan(self) -> dict[str, int]:
        if self._kegiatan is None:
            # A code repeats across fiscal years: the newest year's kegiatan wins.
            stmt = (scopes.kegiatan_query(self.user).with_only_columns(Kegiatan.code, Kegiatan.id)
                    .order_by(Kegiatan.fiscal_year, Kegiatan.id))
            self._kegiatan = {code: kid for code, kid in db.session.execute(stmt)}
        return self._kegiatan

    def opd_codes(self) -> set[str]:
        if self._opd is None:
            self._opd = set(db.session.scalars(select(Opd.code)))
        return self._opd

    def desa(self, code: str) -> Desa | None:
        if self._desa is None:
            self._desa = {d.code: d for d in db.session.scalars(select(Desa))}
        return self._desa.get(code)


def _recorded_at_error(ctx: BatchContext, recorded_at) -> str | None:
    """Why a device time cannot be true (before the app existed, or well ahead of the server's clock)."""
    earliest, latest = ctx.recorded_window
    if earliest <= recorded_at <= latest:
        return None
    return _("Waktu rekam harus antara %(earliest)s dan %(latest)s (UTC); periksa jam dan tanggal di ponsel.",
             earliest=earliest.strftime("%Y-%m-%d"), latest=latest.strftime("%Y-%m-%d %H:%M"))


def _prepare(ctx: BatchContext, index: int, data: dict, digest: str) -> tuple[dict, Prepared | None]:
    """Check one structurally valid item against the rules; nothing is written here."""
    errors: dict[str, list[str]] = {}
    if (problem := _recorded_at_error(ctx, data["recorded_at"])) is not None:
        # Checked first: nothing below may compute with a time at the ends of the calendar.
        return {"recorded_at": [problem]}, None
    version = ctx.version(data["form"], data["form_version"])
    if version is None:
        return {"form_version": [MSG_UNKNOWN_FORM]}, None
    definition = version.definition

    location = data["location"]
    if location and not in_bbox(ctx.bbox, location["lat"], location["lon"]):
        errors["location"] = [MSG_OUTSIDE_REGENCY]

    site = new_site = desa = None
    ref = data["site"]
    if ref is None:
        if definition.get("site_required", True):
            errors["site"] = [MSG_SITE_REQUIRED]
    else:
        site = ctx.sites.get(ref["uuid"])
        if site is not None:
            if site.id not in ctx.sites_in_scope:
                errors["site"] = [MSG_SITE_OUT_OF_SCOPE]
        elif ref["new"] is None:
            errors["site.uuid"] = [MSG_SITE_UNKNOWN]
        else:
            new_site = ref["new"]
            desa = ctx.desa(new_site["desa_code"])
            if desa is None:
                errors["site.new.desa_code"] = [MSG_DESA_UNKNOWN]
            elif not scopes.can_create_site_in(ctx.user, desa):
                errors["site.new.desa_code"] = [MSG_DESA_OUT_OF_SCOPE]
            if not in_bbox(ctx.bbox, new_site["lat"], new_site["lon"]):
                errors["site.new.lat"] = [MSG_OUTSIDE_REGENCY]

    photo_fields = version.photo_fields
    declared: dict[str, dict] = {}
    for i, att in enumerate(data["attachments"]):
        key = str(att["uuid"])
        if key in declared:
            errors.setdefault(f"attachments.{i}.uuid", []).append(MSG_ATTACHMENT_TWICE)
        declared[key] = att
        if att["field"] not in photo_fields:
            errors.setdefault(f"attachments.{i}.field", []).append(MSG_NOT_A_PHOTO_FIELD)
        owner = ctx.taken_attachments.get(att["uuid"])
        if owner is not None and owner != data["uuid"]:
            errors.setdefault(f"attachments.{i}.uuid", []).append(MSG_ATTACHMENT_TAKEN)

    result = version.validate(
        data["answers"],
        options=ctx.options(),
        attachment_uuids=set(declared), translate=ctx.translate,
    )
    for path, messages in result.errors.items():
        errors.setdefault(path, []).extend(messages)
    if not result.errors:
        for i, att in enumerate(data["attachments"]):
            used = result.cleaned.get(att["field"]) or []
            if str(att["uuid"]) not in {str(u).lower() for u in used}:
                errors.setdefault(f"attachments.{i}.field", []).append(MSG_ATTACHMENT_UNUSED)
    if errors:
        return errors, None

    kegiatan_code = result.cleaned.get("kegiatan")
    received_at = utcnow()
    site_lat = site.lat if site else (new_site["lat"] if new_site else None)
    site_lon = site.lon if site else (new_site["lon"] if new_site else None)
    flags = evidence_flags(current_app.config, location=location, site_lat=site_lat, site_lon=site_lon,
                           recorded_at=data["recorded_at"], received_at=received_at)
    return {}, Prepared(
        index=index, data={**data, "answers": result.cleaned}, content_hash=digest, version=version,
        score=result.score, flags=flags, kegiatan_id=ctx.kegiatan().get(kegiatan_code) if kegiatan_code else None,
        site=site, new_site=new_site, new_site_desa=desa,
    )


def _site_row(user, item: Prepared) -> dict:
    new = item.new_site
    return {"uuid": item.data["site"]["uuid"], "name": new["name"].strip(), "kind": new["kind"],
            "desa_id": item.new_site_desa.id, "kecamatan_id": item.new_site_desa.kecamatan_id,
            "lat": new["lat"], "lon": new["lon"], "created_by_id": user.id, "created_at": utcnow(), "updated_at": utcnow()}


def _submission_row(user, item: Prepared, site_id: int | None, kecamatan_id: int | None) -> dict:
    data, location = item.data, item.data["location"] or {}
    return {
        "uuid": data["uuid"], "form_version_id": item.version.id, "form_code": data["form"], "user_id": user.id,
        "site_id": site_id, "kecamatan_id": kecamatan_id, "kegiatan_id": item.kegiatan_id,
        "recorded_at": data["recorded_at"], "received_at": utcnow(), "lat": location.get("lat"),
        "lon": location.get("lon"), "accuracy_m": location.get("accuracy_m"), "answers": data["answers"],
        "content_hash": item.content_hash, "score": item.score,
        "status": SyncState.INCOMPLETE if data["attachments"] else SyncState.COMPLETE, "flags": item.flags,
        "flagged": bool(item.flags), "review_state": ReviewState.RECEIVED,
    }


def _insert(user, items: list[Prepared]) -> set[int]:
    """Batched INSERTs of new sites, submissions and attachments (no ORM unit of work: it is the hot path)."""
    new_sites: dict = {}
    for item in items:
        if item.site is None and item.new_site is not None and item.data["site"]["uuid"] not in new_sites:
            new_sites[item.data["site"]["uuid"]] = _site_row(user, item)
    site_ids: dict = {}
    if new_sites:
        rows = db.session.connection().execute(_statements().insert_site, [new_sites[key] for key in sorted(new_sites)])
        site_ids = {u: i for u, i in rows}
    sub_rows = []
    for item in items:
        if item.site is not None:
            site_id, kecamatan_id = item.site.id, item.site.kecamatan_id
        elif item.new_site is not None:
            site_id, kecamatan_id = site_ids[item.data["site"]["uuid"]], item.new_site_desa.kecamatan_id
        else:
            site_id = kecamatan_id = None
        sub_rows.append(_submission_row(user, item, site_id, kecamatan_id))
    connection = db.session.connection()
    as_json = connection.dialect.name == "postgresql"
    if as_json:
        ids = _insert_rows(connection, _SUBMISSION_INSERT, sub_rows, returning=True)
    else:
        ids = _insert_driver_rows(connection, Submission.__table__, sub_rows, returning=True)
    att_rows = [
        {"uuid": att["uuid"], "submission_id": sub_id, "field": att["field"], "sha256": att["sha256"],
         "bytes": att["bytes"], "content_type": att["content_type"], "state": AttachmentState.PENDING}
        for item, sub_id in zip(items, ids, strict=True) for att in item.data["attachments"]
    ]
    if att_rows and as_json:
        _insert_rows(connection, _ATTACHMENT_INSERT, att_rows)
    elif att_rows:
        _insert_driver_rows(connection, Attachment.__table__, att_rows)
    return {row["site_id"] for row in sub_rows if row["site_id"]}


@dataclass(frozen=True)
class _JsonInsert:
    """A multi-row INSERT on PostgreSQL whose rows arrive as one JSON array: one parameter, encoded
    by the json module's C encoder, and a statement text the driver parses once for any number of
    rows (an INSERT … VALUES of 100 rows has 2,000 placeholders to convert and to adapt one by one)."""

    sql: str
    columns: tuple[str, ...]


def _json_insert(table: str, types: dict[str, str], returning: str = "") -> _JsonInsert:
    columns = ", ".join(types)
    record = ", ".join(f"{c} {t}" for c, t in types.items())
    sql = (f"INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_to_recordset(CAST(%(rows)s AS jsonb)) "
           f"AS r({record})")
    return _JsonInsert(sql + (f" RETURNING {returning}" if returning else ""), tuple(types))


_SUBMISSION_INSERT = _json_insert("submission", {
    "uuid": "uuid", "form_version_id": "integer", "form_code": "varchar", "user_id": "integer", "site_id": "integer",
    "kecamatan_id": "integer", "kegiatan_id": "integer", "recorded_at": "timestamptz", "received_at": "timestamptz",
    "lat": "float8", "lon": "float8", "accuracy_m": "float8", "answers": "jsonb", "content_hash": "varchar",
    "score": "float8", "status": "varchar", "flags": "jsonb", "flagged": "boolean", "review_state": "varchar",
}, returning="id, uuid")
_ATTACHMENT_INSERT = _json_insert("attachment", {
    "uuid": "uuid", "submission_id": "integer", "field": "varchar", "sha256": "varchar", "bytes": "bigint",
    "content_type": "varchar", "state": "varchar",
})


def _insert_rows(connection, statement: _JsonInsert, rows: list[dict], returning: bool = False) -> list[int]:
    """Run a `_JsonInsert`; with `returning`, the new ids in the order of `rows`.

    orjson writes UUIDs and times as the json module's callbacks did (str, isoformat). It would
    write NaN as null where the json module refused it; no NaN gets this far: the item loader, the
    schemas and the form validator refuse non-finite numbers, item by item."""
    payload = orjson.dumps([{c: row[c] for c in statement.columns} for row in rows]).decode()
    result = connection.exec_driver_sql(statement.sql, {"rows": payload})
    if not returning:
        return []
    ids = {u: i for i, u in result}
    return [ids[row["uuid"] if isinstance(row["uuid"], uuidlib.UUID) else uuidlib.UUID(row["uuid"])] for row in rows]


@functools.cache
def _driver_insert(table, columns: tuple[str, ...], dialect):
    """The INSERT text and each column's bind processor (the type's own conversion to what the
    database stores), for `_insert_driver_rows`."""
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    ids = f"SELECT {table.c.uuid.name}, {table.c.id.name} FROM {table.name} WHERE {table.c.uuid.name} IN "
    return sql, ids, tuple(table.c[c].type.bind_processor(dialect) for c in columns), table.c.uuid.type.bind_processor(dialect)


def _insert_driver_rows(connection, table, rows: list[dict], returning: bool = False) -> list[int]:
    """Rows written by the driver's executemany (SQLite): the values converted by their column
    types' own bind processors, as SQLAlchemy would store them, without its per-statement work on
    a multi-row INSERT of every parameter; with `returning`, the new ids in the order of `rows`."""
    columns = tuple(rows[0])
    sql, select_ids, processors, uuid_processor = _driver_insert(table, columns, connection.dialect)
    pick = itemgetter(*columns)
    values = [tuple(value if process is None or value is None else process(value)
                    for process, value in zip(processors, pick(row))) for row in rows]
    connection.exec_driver_sql(sql, values)
    if not returning:
        return []
    keys = [uuid_processor(row["uuid"]) if uuid_processor else row["uuid"] for row in rows]
    found = dict(connection.exec_driver_sql(select_ids + f"({', '.join('?' * len(keys))})", tuple(keys)).all())
    return [found[key] for key in keys]


def _missing(submission: Submission) -> list[str]:
    return [str(a.uuid) for a in submission.attachments if a.state == AttachmentState.PENDING]


def _replay_result(existing: Submission, digest: str, user) -> ItemResult:
    if existing.content_hash == digest and existing.user_id == user.id:
        return ItemResult(str(existing.uuid), ItemOutcome.DUPLICATE, missing_attachments=_missing(existing))
    return ItemResult(str(existing.uuid), ItemOutcome.REJECTED, errors={"uuid": [MSG_CONFLICT]})


@dataclass
class BatchOutcome:
    results: list[ItemResult]
    site_ids: set[int]


def ingest_batch(user, raw_items: list) -> BatchOutcome:
    """Validate and store a batch; one result per item, in order."""
    results: list[ItemResult | None] = [None] * len(raw_items)
    loaded: list[tuple[int, dict, str]] = []
    schema = _item_schema()
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            results[index] = ItemResult(None, ItemOutcome.REJECTED, errors={"_item": [MSG_ITEM_NOT_OBJECT]})
            continue
        raw_uuid = raw.get("uuid") if isinstance(raw.get("uuid"), str) and not has_bad_chars(raw["uuid"]) else None
        # Checked before anything walks the item (hashing, validation): each would pay for the depth.
        if json_depth(raw, ITEM_MAX_DEPTH) > ITEM_MAX_DEPTH:
            results[index] = ItemResult(raw_uuid, ItemOutcome.REJECTED, errors={"_item": [MSG_TOO_DEEP]})
            continue
        data = load_item(raw)  # the schema's result for an ordinary item, without its machinery
        if data is None:
            try:
                data = schema.load(raw)
            except ValidationError as err:
                results[index] = ItemResult(raw_uuid, ItemOutcome.REJECTED, errors=_flatten(err.messages))
                continue
        loaded.append((index, data, content_hash(raw)))

    ctx = BatchContext(user)
    ctx.preload([data for _, data, _ in loaded])
    uuids = [data["uuid"] for _, data, _ in loaded]
    existing = {}
    # Most batches replay nothing: a light check first, the ORM objects only for what is there.
    found_ids = db.session.connection().execute(_statements().existing, {"uuids": uuids}).scalars().all() if uuids else []
    if found_ids:
        existing = {
            s.uuid: s for s in db.session.scalars(
                select(Submission).where(Submission.id.in_(found_ids)).options(selectinload(Submission.attachments))
            )
        }

    prepared: list[Prepared] = []
    seen: dict = {}
    resubmitted_sites: set[int] = set()
    for index, data, digest in loaded:
        if data["uuid"] in existing:
            found = existing[data["uuid"]]
            if _is_correction(found, digest, user):
                mismatch = _correction_mismatch(ctx, found, data)
                errors, item = (mismatch, None) if mismatch else _prepare(ctx, index, data, digest)
                if item is None:
                    results[index] = ItemResult(str(data["uuid"]), ItemOutcome.REJECTED, errors=errors)
                else:
                    results[index] = _apply_correction(user, found, item)
                    resubmitted_sites.add(found.site_id)
                continue
            results[index] = _replay_result(found, digest, user)
            continue
        if data["uuid"] in seen:
            same = seen[data["uuid"]].content_hash == digest
            results[index] = (ItemResult(str(data["uuid"]), ItemOutcome.DUPLICATE, missing_attachments=[str(a["uuid"]) for a in data["attachments"]])
                              if same else ItemResult(str(data["uuid"]), ItemOutcome.REJECTED, errors={"uuid": [MSG_CONFLICT]}))
            continue
        errors, item = _prepare(ctx, index, data, digest)
        if item is None:
            results[index] = ItemResult(str(data["uuid"]), ItemOutcome.REJECTED, errors=errors)
            continue
        seen[data["uuid"]] = item
        prepared.append(item)

    site_ids = _write(user, prepared, results) | {i for i in resubmitted_sites if i}
    return BatchOutcome(results=[r for r in results if r is not None], site_ids=site_ids)


def _is_correction(existing: Submission, digest: str, user) -> bool:
    """A submission returned for correction ("perlu perbaikan") may come back, changed, under its UUID."""
    return existing.review_state == ReviewState.RETURNED and existing.user_id == user.id and existing.content_hash != digest


def _correction_mismatch(ctx: BatchContext, existing: Submission, data: dict) -> dict:
    """A correction keeps the form and the site it was returned for: its reviewer must never lose sight of it."""
    errors: dict[str, list[str]] = {}
    if data["form"] != existing.form_code:
        errors["form"] = [_("Perbaikan harus memakai formulir yang sama dengan kiriman yang dikembalikan (%(form)s).",
                            form=existing.form_code)]
    ref = data["site"]
    site = ctx.sites.get(ref["uuid"]) if ref else None
    if (site.id if site else None) != existing.site_id:
        errors["site"] = [_("Perbaikan harus untuk lokasi yang sama dengan kiriman yang dikembalikan.")]
    return errors


def _apply_correction(user, existing: Submission, item: Prepared) -> ItemResult:
    """Replace the returned submission's content and send it back to review."""
    if item.site is None and item.new_site is not None:
        return ItemResult(str(existing.uuid), ItemOutcome.REJECTED, errors={"site": [MSG_SITE_UNKNOWN]})
    row = _submission_row(user, item, item.site.id if item.site else None, item.site.kecamatan_id if item.site else None)
    for key in ("uuid", "user_id", "received_at", "review_state"):
        row.pop(key)
    for key, value in row.items():
        setattr(existing, key, value)
    known = {a.uuid for a in existing.attachments}
    for att in item.data["attachments"]:
        if att["uuid"] not in known:
            existing.attachments.append(Attachment(uuid=att["uuid"], field=att["field"], sha256=att["sha256"],
                                                   bytes=att["bytes"], content_type=att["content_type"], state=AttachmentState.PENDING))
    if any(a.state == AttachmentState.PENDING for a in existing.attachments):
        existing.status = SyncState.INCOMPLETE
    resubmitted(existing, user)
    return ItemResult(str(existing.uuid), ItemOutcome.CREATED, missing_attachments=_missing(existing))


def _created(item: Prepared) -> ItemResult:
    return ItemResult(str(item.data["uuid"]), ItemOutcome.CREATED, missing_attachments=[str(a["uuid"]) for a in item.data["attachments"]])


def _write(user, prepared: list[Prepared], results: list) -> set[int]:
    """All items in one savepoint; when a concurrent writer got there first, item by item."""
    if not prepared:
        return set()
    # Rows are written in UUID order: two tabs sending the same items in other orders then wait for
    # each other instead of deadlocking (PostgreSQL would end one with a 500).
    prepared = sorted(prepared, key=lambda item: item.data["uuid"])
    try:
        with db.session.begin_nested():
            site_ids = _insert(user, prepared)
        for item in prepared:
            results[item.index] = _created(item)
        return site_ids
    except IntegrityError:
        pass
    site_ids = set()
    for item in prepared:
        for _attempt in range(2):
            try:
                with db.session.begin_nested():
                    site_ids |= _insert(user, [item])
                results[item.index] = _created(item)
                break
            except IntegrityError:
                existing = db.session.scalar(select(Submission).where(Submission.uuid == item.data["uuid"]))
                if existing is not None:
                    results[item.index] = _replay_result(existing, item.content_hash, user)
                    break
                # The new site was created by a concurrent batch (or an earlier item): use it.
                site_uuid = item.data["site"]["uuid"] if item.data["site"] else None
                site = db.session.scalar(select(Site).where(Site.uuid == site_uuid)) if site_uuid else None
                if site is not None:
                    item.site, item.new_site = site, None
        else:
            raise Busy("Penyimpanan sedang sibuk; kirim ulang batch ini.")
    return site_ids


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested errors as {"location.lat": [...]} paths."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(_flatten(value, path))
            else:
                flat[path] = [str(v) for v in (value if isinstance(value, list) else [value])]
    else:
        flat[prefix or "_schema"] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    return flat


def parse_uuid(value: str) -> uuidlib.UUID:
    try:
        return uuidlib.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise NotFound() from exc


def mark_complete_if_all_arrived(submission_id: int) -> bool:
    """Mark the submission complete when none of its photos is pending, as this transaction sees
    them; whether it did. Run again after the upload's commit when it did not, so two last photos
    arriving at once both see each other."""
    pending = select(Attachment.id).where(Attachment.submission_id == submission_id, Attachment.state == AttachmentState.PENDING)
    result = db.session.execute(
        update(Submission).where(Submission.id == submission_id, ~pending.exists()).values(status=SyncState.COMPLETE)
        .execution_options(synchronize_session=False)  # the caller commits next, which expires what it loaded
    )
    return result.rowcount == 1


def get_visible(user, uuid) -> Submission:
    """A submission in the user's scope by UUID; 404 when it does not exist or lies outside it."""
    submission = db.session.scalar(scopes.submissions_query(user).where(Submission.uuid == uuid))
    if submission is None:
        raise NotFound()
    return submission
