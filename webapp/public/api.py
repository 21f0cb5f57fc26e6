"""The public map's data: approved GEBER scores by site and by kecamatan. No login, no people."""
from flask import abort, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from webapp.extensions import limiter
from webapp.maps import delivery, services
from webapp.maps.api import GEOJSON_CONTENT, HASH_RULE, JSON_CONTENT, NOT_MODIFIED, small_json_response
from webapp.maps.schemas import PublicViewQuerySchema, StatusQuerySchema
from webapp.scopes import PUBLIC_MAP_SCOPE
from webapp.public.views import PUBLIC_LIMIT, require_enabled
from webapp.vocabulary import SiteKind

blp = Blueprint("public_api", __name__, url_prefix="/api/v1/public",
                description="Peta publik: skor GEBER yang sudah disetujui")
blp.before_request(require_enabled)
#: Anyone may keep a public answer, as long as they ask again before using it.
PUBLIC_CACHE = "public, no-cache"
#: No cookie decides a public answer, so shared caches may keep one copy for everyone.
VARY = "Accept-Encoding"


class PublicSiteSchema(Schema):
    """A site as the public sees it: the place and its approved score, never who checked it."""

    id = fields.UUID(attribute="site.uuid")
    name = fields.String(attribute="site.name")
    kind = fields.String(attribute="site.kind")
    kind_label = fields.Function(lambda d: SiteKind.label_of(d["site"].kind))
    desa = fields.String(attribute="site.desa.name")
    kecamatan = fields.String(attribute="site.kecamatan.name")
    score = fields.Float()
    band = fields.String()
    approved_at = fields.AwareDateTime()
    photo_url = fields.Function(
        lambda d: url_for("public.photo_thumbnail", attachment_uuid=d["photo"].uuid) if d["photo"] else None)


@blp.route("/sites/<uuid:site_uuid>")
@blp.response(200, PublicSiteSchema)
@limiter.limit(PUBLIC_LIMIT)
def public_site_detail(site_uuid):
    """One public site; a photo only when the regency publishes photos."""
    detail = services.public_site_detail(site_uuid)
    if detail is None:
        abort(404)
    return detail


@blp.route("/kecamatan-summary")
@blp.doc(responses={200: {"description": "GeoJSON: a kecamatan per feature with its mean approved score",
                          "content": GEOJSON_CONTENT}})
@limiter.limit(PUBLIC_LIMIT)
def public_kecamatan_summary():
    """Per kecamatan: the mean approved score and how many sites have one."""
    return small_json_response(services.public_kecamatan_summary(), cache_control=PUBLIC_CACHE, vary=VARY)


@blp.route("/manifest")
@blp.doc(responses={200: {"description": "Alamat berkas posisi publik dan versi status", "content": JSON_CONTENT},
                    **NOT_MODIFIED})
@limiter.limit(PUBLIC_LIMIT)
def public_manifest():
    """Where the public map's data is now: the positions file under its hash and the status version."""
    return delivery.manifest(PUBLIC_MAP_SCOPE, "public_api", PUBLIC_CACHE, VARY)


@blp.route(f"/files/{HASH_RULE}.json")
@blp.doc(responses={200: {"description": "Berkas posisi lokasi publik; tidak pernah berubah", "content": JSON_CONTENT}})
@limiter.limit(PUBLIC_LIMIT)
def positions_file(sites_hash):
    """The positions of the sites with an approved score; cached for good."""
    return delivery.positions_file(PUBLIC_MAP_SCOPE, sites_hash, "public", VARY)


@blp.route("/status")
@blp.arguments(StatusQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "Skor disetujui dan tanggalnya per lokasi, atau perubahan sejak versi",
                          "content": JSON_CONTENT}, **NOT_MODIFIED})
@limiter.limit(PUBLIC_LIMIT)
def status_array(args):
    """Approved score and its date per site of the public positions file, or the delta since a version."""
    return delivery.status_array(PUBLIC_MAP_SCOPE, args.get("since"), PUBLIC_CACHE, VARY)


@blp.route("/clusters")
@blp.arguments(PublicViewQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "Kelompok lokasi dan lokasi tunggal pada zoom dan kotak yang terlihat",
                          "content": JSON_CONTENT}, **NOT_MODIFIED})
@limiter.limit(PUBLIC_LIMIT)
def public_clusters(query):
    """The public map at one zoom level: groups of nearby sites and single sites."""
    filters, view = query
    return delivery.cluster_view(PUBLIC_MAP_SCOPE, filters, view, PUBLIC_CACHE, VARY)


@blp.route("/list")
@blp.arguments(PublicViewQuerySchema, location="query", as_kwargs=False)
@blp.doc(responses={200: {"description": "Satu halaman daftar lokasi publik, yang terburuk dulu",
                          "content": JSON_CONTENT}, **NOT_MODIFIED})
@limiter.limit(PUBLIC_LIMIT)
def public_list(query):
    """A page of the public site list, worst first; `latest` is the newest approved check."""
    filters, view = query
    return delivery.list_view(PUBLIC_MAP_SCOPE, filters, view, PUBLIC_CACHE, VARY)
