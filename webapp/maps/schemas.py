"""Query-string schemas of the map: the filters the URL carries."""
from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from webapp.maps.services import BANDS, LAYERS, MONEV_STATES, MapFilters
from webapp.vocabulary import SiteKind

KECAMATAN_CODE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"
DESA_CODE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"
MSG_RANGE = "Tanggal awal harus sebelum atau sama dengan tanggal akhir."
#: Far-off dates are no filter anyone means, and the period arithmetic overflows near year 1.
DAY_RANGE = validate.Range(date(2000, 1, 1), date(2099, 12, 31), error="Tanggal harus antara tahun 2000 dan 2099.")
#: The same range as the OpenAPI document states it (a date's format has no minimum or maximum).
DAY_PATTERN = r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"


class MapFiltersSchema(Schema):
    """The map's filters; the page's URL and the API's query string share them."""

    class Meta:
        unknown = EXCLUDE

    layer = fields.String(load_default="geber", validate=validate.OneOf(LAYERS))
    kecamatan = fields.String(validate=validate.Regexp(KECAMATAN_CODE), metadata={"description": "Kode kecamatan"})
    desa = fields.String(validate=validate.Regexp(DESA_CODE), metadata={"description": "Kode desa/kelurahan"})
    kind = fields.String(validate=validate.OneOf(SiteKind.values()))
    opd = fields.String(validate=validate.Length(max=20), metadata={"description": "Kode OPD"})
    date_from = fields.Date(data_key="from", validate=DAY_RANGE,
                            metadata={"description": "Hari pertama (WIB), inklusif", "pattern": DAY_PATTERN})
    date_to = fields.Date(data_key="to", validate=DAY_RANGE,
                          metadata={"description": "Hari terakhir (WIB), inklusif", "pattern": DAY_PATTERN})
    band = fields.String(validate=validate.OneOf(BANDS))
    status = fields.String(validate=validate.OneOf(MONEV_STATES))
    flagged = fields.Boolean(load_default=False)

    @pre_load
    def drop_empty(self, data, **kwargs):
        # A plain GET form sends "kecamatan=" for "all"; an empty value means no filter.
        return {key: value for key, value in data.items() if value not in ("", None)}

    @validates_schema
    def check_range(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(MSG_RANGE, field_name="from")

    @post_load
    def make_filters(self, data, **kwargs) -> MapFilters:
        return MapFilters(**data)


class PublicFiltersSchema(MapFiltersSchema):
    """The public map filters by place, kind and score band only."""

    class Meta:
        unknown = EXCLUDE
        exclude = ("layer", "opd", "status", "flagged")


class MapQuerySchema(MapFiltersSchema):
    """The map API's query string: an empty value is a value, and refused, as the OpenAPI document says
    (only the pages' plain GET forms send "kecamatan=" for "all")."""

    @pre_load
    def drop_empty(self, data, **kwargs):
        return data


class PublicQuerySchema(PublicFiltersSchema):
    """The public map API's query string (empty values refused, as in MapQuerySchema)."""

    @pre_load
    def drop_empty(self, data, **kwargs):
        return data


def _box(value: str):
    """The visible box from "south,west,north,east" (the pattern checked the numbers); a box given
    the wrong way round or beyond the world is read as the box it can only mean."""
    from webapp.maps.clusters import Box

    south, west, north, east = (float(part) for part in value.split(","))
    south, north = sorted((max(min(south, 90.0), -90.0), max(min(north, 90.0), -90.0)))
    west, east = sorted((max(min(west, 180.0), -180.0), max(min(east, 180.0), -180.0)))
    return Box(south, west, north, east)


NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
BBOX_PATTERN = rf"^{NUMBER},{NUMBER},{NUMBER},{NUMBER}$"


class _ViewMixin:
    """What the map view adds to the filters: the zoom and the visible box, or a page of the list."""

    zoom = fields.Integer(data_key="z", load_default=10, validate=validate.Range(0, 22),
                          metadata={"description": "Tingkat zoom peta"})
    bbox = fields.String(validate=validate.Regexp(BBOX_PATTERN),
                         metadata={"description": "Kotak yang terlihat: selatan,barat,utara,timur"})
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10_000_000))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))

    @post_load
    def make_filters(self, data, **kwargs):
        view = {key: data.pop(key, None) for key in ("zoom", "bbox", "offset", "limit")}
        if view["bbox"] is not None:
            view["bbox"] = _box(view["bbox"])
        return MapFilters(**data), view


class MapViewQuerySchema(_ViewMixin, MapQuerySchema):
    """The query string of the map's clusters and list: filters, zoom, box, page."""


class PublicViewQuerySchema(_ViewMixin, PublicQuerySchema):
    """The public map's clusters and list: its filters, zoom, box, page."""


class StatusQuerySchema(Schema):
    since = fields.Integer(validate=validate.Range(0, 2**31 - 1),
                           metadata={"description": "Versi status yang sudah dimiliki klien"})


def parse_filters(args, schema_class=MapFiltersSchema) -> tuple[MapFilters, dict]:
    """Filters from a page's query string: invalid values are dropped (and reported), never fatal."""
    schema = schema_class()
    data = {key: args.get(key) for key in args}
    try:
        return schema.load(data), {}
    except ValidationError as err:
        bad = set(err.messages)
        keys = {f.data_key or name: name for name, f in schema.fields.items()}
        clean = {key: value for key, value in data.items() if key not in bad and keys.get(key) not in bad}
        if "from" in bad:
            clean.pop("to", None)
        return schema.load(clean), err.messages
