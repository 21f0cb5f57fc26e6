"""Map data API: the prebuilt files, the groups and list of the map, one site's details, the kecamatan summary."""
import hashlib
import json

from flask import abort, url_for
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from webapp import scopes
from webapp.maps import aksi_layer, delivery, geojson, services
from webapp.maps.schemas import MapQuerySchema, MapViewQuerySchema, StatusQuerySchema
from webapp.vocabulary import SiteKind

#: What the GeoJSON answers are, so the OpenAPI document (and schemathesis) can check them.
GEOJSON_CONTENT = {"application/geo+json": {"schema": {
    "type": "object", "required": ["type", "features"],
    "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array"}},
}}}

blp = Blueprint("map_api", __name__, url_prefix="/api/v1/map", description="Peta: lokasi, status terakhir, ringkasan")
#: The map is the user's own data: browsers may keep it, but ask again before each use.
PRIVATE = "private, no-cache"
VARY = "Accept-Encoding, Cookie"


class KegiatanRefSchema(Schema):
    code = fields.String()
    name = fields.String()
    opd = fields.String()
    year = fields.Integer()
    #: The kegiatan page; year and OPD make it exact when a code repeats across years or OPDs.
    url = fields.Function(lambda k: url_for("monev.kegiatan_page", code=k["code"], tahun=k["year"], opd=k["opd"]))


class SiteDetailSchema(Schema):
    id = fields.UUID(attribute="site.uuid")
    name = fields.String(attribute="site.name")
    kind = fields.String(attribute="site.kind")
    kind_label = fields.Function(lambda d: SiteKind.label_of(d["site"].kind))
    desa = fields.String(attribute="site.desa.name")
    kecamatan = fields.String(attribute="site.kecamatan.name")
    lat = fields.Float(attribute="site.lat")
    lon = fields.Float(attribute="site.lon")
    score = fields.Float(allow_none=True)
    band = fields.String()
    checked_at = fields.AwareDateTime(allow_none=True)
    approved_score = fields.Float(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    monev_status = fields.String(allow_none=True)
    monev_at = fields.AwareDateTime(allow_none=True)
    flagged = fields.Boolean()
    photo_url = fields.Function(
        lambda d: url_for("maps.photo_thumbnail", attachment_uuid=d["photo"].uuid) if d["photo"] else None)
    history_url = fields.Function(lambda d: url_for("maps.site_history", site_uuid=d["site"].uuid))
    kegiatan = fields.List(fields.Nested(KegiatanRefSchema))


def small_json_response(payload: dict, **options):
    """A small JSON answer with an ETag of its body, so an unchanged summary costs a 304."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return geojson.small_response(body, hashlib.sha256(body).hexdigest()[:32], **options)


@blp.route("/sites/<uuid:site_uuid>")
@blp.response(200, SiteDetailSchema)
@login_required
def map_site_detail(site_uuid):
    """One site of the user's scope: latest check, approved score, monev, photo, kegiatan."""
    detail = services.site_detail(current_user, site_uuid)
    if detail is None:
        abort(404)
    return detail


@blp.route("/kecamatan-summary")
@blp.arguments(MapQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "GeoJSON: a kecamatan per feature (boundary or centroid of its sites)",
                          "content": GEOJSON_CONTENT}})
@login_required
def kecamatan_summary(filters: services.MapFilters):
    """Per kecamatan: average latest score, sites checked in the period, trend against the period before."""
    return small_json_response(services.kecamatan_summary(current_user, filters))


@blp.route("/aksi")
@blp.arguments(MapQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "GeoJSON: a clean-up action per feature; properties id, date, kecamatan, "
                                         "participants, kg, bags, opds, group (no names of people)",
                          "content": GEOJSON_CONTENT},
                    304: {"description": "Tidak berubah sejak ETag yang dikirim"}})
@login_required
def aksi_actions(filters: services.MapFilters):
    """The "Aksi GEBER" layer: clean-up actions in the user's scope where they took place (gzip, ETag)."""
    return small_json_response(aksi_layer.aksi_features(current_user, filters))


#: A positions file's address: its content hash.
HASH_RULE = "<string(length=20):sites_hash>"
JSON_CONTENT = {"application/json": {"schema": {"type": "object"}}}
NOT_MODIFIED = {304: {"description": "Tidak berubah sejak ETag yang dikirim"}}


@blp.route("/manifest")
@blp.doc(responses={200: {"description": "Alamat berkas posisi (dengan hash isinya) dan versi status",
                          "content": JSON_CONTENT}, **NOT_MODIFIED})
@login_required
def map_manifest():
    """Where the user's map data is now: the positions file under its hash and the status version."""
    return delivery.manifest(scopes.map_scope_key(current_user), "map_api", PRIVATE, VARY)


@blp.route(f"/files/{HASH_RULE}.json")
@blp.doc(responses={200: {"description": "Berkas posisi lokasi (id, posisi, nama, jenis, desa); tidak pernah berubah",
                          "content": JSON_CONTENT}})
@login_required
def positions_file(sites_hash):
    """The positions and identities of the user's sites; cached for good (its URL changes with it)."""
    return delivery.positions_file(scopes.map_scope_key(current_user), sites_hash, "private", VARY)


@blp.route("/status")
@blp.arguments(StatusQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "Larik status sejajar berkas posisi, atau perubahan sejak versi `since`",
                          "content": JSON_CONTENT}, **NOT_MODIFIED})
@login_required
def status_array(args):
    """Latest score, date, monev status and flag per site of the positions file, or the delta since a version."""
    return delivery.status_array(scopes.map_scope_key(current_user), args.get("since"), PRIVATE, VARY)


@blp.route("/clusters")
@blp.arguments(MapViewQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "Kelompok lokasi dan lokasi tunggal pada zoom dan kotak yang terlihat",
                          "content": JSON_CONTENT}, **NOT_MODIFIED})
@login_required
def map_clusters(query):
    """The map at one zoom level: groups of nearby sites (count, how many bad) and single sites."""
    filters, view = query
    return delivery.cluster_view(scopes.map_scope_key(current_user), filters, view, PRIVATE, VARY)


@blp.route("/list")
@blp.arguments(MapViewQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "Satu halaman daftar lokasi, yang terburuk dulu", "content": JSON_CONTENT},
                    **NOT_MODIFIED})
@login_required
def map_list(query):
    """A page of the site list, worst first, with the total count."""
    filters, view = query
    return delivery.list_view(scopes.map_scope_key(current_user), filters, view, PRIVATE, VARY)
