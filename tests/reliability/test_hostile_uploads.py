"""Hostile uploads: polyglots, bombs, huge dimensions, wrong types, path-like names.

Everything is refused with a 4xx, except a real image carrying a payload, which is kept privately
and only ever served re-encoded. Nothing lands on disk outside the storage root.
"""
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests import factories
from tests.factories import declare, geber_item, jpeg_bytes

BATCH = "/api/v1/submissions/batch"
PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
#: Every name the server may write under the storage root.
SERVER_NAMES = re.compile(
    r"^(originals/[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|webp)"
    r"|photos/[0-9a-f]{2}/[0-9a-f]{32}(-thumb)?\.jpg"
    r"|followups/\d{4}/\d{2}/[0-9a-f]{32}\.jpg)$"
)


@pytest.fixture
def sandbox(app, tmp_path, monkeypatch):
    """A storage root of the test's own inside an otherwise empty directory, to see every write."""
    base = tmp_path / "sandbox"
    root = base / "storage"
    root.mkdir(parents=True)
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(root))
    yield root
    outside = sorted(str(p) for p in base.rglob("*") if p.is_file() and root not in p.parents)
    assert outside == [], f"written outside the storage root: {outside}"
    foreign = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
                     and not SERVER_NAMES.match(str(p.relative_to(root))))
    assert foreign == [], f"files under names the server did not make: {foreign}"


@pytest.fixture
def monitor(login_as):
    return login_as("monitor", kecamatan_code=factories.KOTA_MANNA)


def declared(monitor, make_site, data: bytes, content_type: str = "image/jpeg") -> tuple[dict, str]:
    """A created submission declaring `data` as its photo; returns (item, attachment uuid)."""
    site = make_site(factories.KOTA_MANNA)
    item = geber_item(site.uuid, photos=[])
    decl = declare(data, content_type=content_type)
    item["attachments"] = [decl]
    item["answers"]["foto"] = [decl["uuid"]]
    result = monitor.post(BATCH, json={"submissions": [item]}).json["results"][0]
    assert result["status"] == "created", result
    return item, decl["uuid"]


def put(client, att_uuid: str, data: bytes, content_type: str = "image/jpeg"):
    return client.put(f"/api/v1/attachments/{att_uuid}", data=data, headers={"Content-Type": content_type})


def png(width: int, height: int, rows: int | None = None) -> bytes:
    """A PNG of any size whose pixel rows compress to almost nothing; with `rows`, only that many
    rows of data follow the header's claim (a bomb needs no more to be one)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width * 3)
    body = b"".join(compressor.compress(row) for _ in range(min(height, rows or height))) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims other dimensions (a decompression bomb by header)."""
    data = bytearray(jpeg_bytes(16, 16))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_html_polyglot() -> bytes:
    """A GIF that is also an HTML page: the classic way to smuggle script through an image upload."""
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF", comment=PAYLOAD)
    return out.getvalue() + PAYLOAD


def test_a_jpeg_with_html_appended_is_kept_privately_and_served_only_as_a_rewritten_copy(
        app, sandbox, monitor, login_as, make_site, run_jobs):
    photo = jpeg_bytes(900, 600, (200, 30, 30)) + PAYLOAD
    item, att_uuid = declared(monitor, make_site, photo)
    assert put(monitor, att_uuid, photo).status_code == 200
    run_jobs()
    thumb = monitor.get(f"/foto/{att_uuid}/thumb")
    reviewer = login_as("bappeda")
    display = reviewer.get(f"/tinjauan/{item['uuid']}/foto/{att_uuid}")
    for served in (thumb, display):
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
        assert b"<script" not in served.data and served.data != photo
        assert served.data.endswith(b"\xff\xd9"), "a served JPEG ends at its end-of-image marker"
        with Image.open(io.BytesIO(served.data)) as image:
            image.load()
        served.close()
    # The upload itself stays under a server-made name, outside every served path.
    (original,) = (p for p in (sandbox / "originals").rglob("*") if p.is_file())
    assert original.read_bytes() == photo and original.name == f"{att_uuid.replace('-', '')}.jpg"


@pytest.mark.parametrize(
    ("label", "make", "content_type", "code"),
    [
        ("gif/html polyglot", gif_html_polyglot, "image/jpeg", "not_an_image"),
        ("html behind a jpeg signature", lambda: b"\xff\xd8\xff\xe0" + PAYLOAD, "image/jpeg", "not_an_image"),
        ("svg with a script", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "image/png", "not_an_image"),
        ("jpeg header claiming 65000 x 65000", lambda: jpeg_claiming(65000, 65000), "image/jpeg", "image_too_large"),
        ("png bomb 30000 x 30000", lambda: png(30000, 30000, rows=64), "image/png", "image_too_large"),
        ("huge dimensions 9000 x 5000", lambda: png(9000, 5000), "image/png", "image_too_large"),
        ("a strip 65000 x 700", lambda: png(65000, 700), "image/png", "image_too_large"),
        ("jpeg declared as png", lambda: jpeg_bytes(40, 40), "image/png", "content_type_mismatch"),
        ("empty body", lambda: b"", "image/jpeg", None),
    ],
)
def test_hostile_files_are_refused_with_a_4xx_and_nothing_is_stored(
        app, sandbox, monitor, make_site, label, make, content_type, code):
    data = make()
    if not data:
        # An empty body cannot be declared (bytes ≥ 1): it is refused at the batch.
        item = geber_item(make_site(factories.KOTA_MANNA).uuid)
        item["attachments"][0]["bytes"] = 0
        (result,) = monitor.post(BATCH, json={"submissions": [item]}).json["results"]
        assert result["status"] == "rejected" and "attachments.0.bytes" in result["errors"]
        return
    _item, att_uuid = declared(monitor, make_site, data, content_type)
    response = put(monitor, att_uuid, data, content_type)
    assert response.status_code == 422, (label, response.status_code)
    assert response.json["code"] == code
    assert not any(sandbox.rglob("*.*")), f"{label}: something was stored"


def test_an_extreme_aspect_ratio_within_the_pixel_limit_is_processed_or_failed_never_a_5xx(
        app, sandbox, monitor, make_site, run_jobs):
    data = png(20000, 2)
    _item, att_uuid = declared(monitor, make_site, data, "image/png")
    response = put(monitor, att_uuid, data, "image/png")
    assert response.status_code == 200
    run_jobs()
    thumb = monitor.get(f"/foto/{att_uuid}/thumb")
    thumb.close()
    assert thumb.status_code in (200, 404)


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "image/gif", "application/octet-stream"])
def test_a_photo_declared_with_a_type_that_is_not_a_photo_is_rejected_at_the_batch(
        sandbox, monitor, make_site, content_type):
    item = geber_item(make_site(factories.KOTA_MANNA).uuid)
    item["attachments"][0]["content_type"] = content_type
    (result,) = monitor.post(BATCH, json={"submissions": [item]}).json["results"]
    assert result["status"] == "rejected" and "attachments.0.content_type" in result["errors"]


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fevil", "....%2F%2F....%2F%2Fevil", "C:%5Cwindows%5Cwin.ini",
     "00000000-0000-0000-0000-000000000000%00.jpg", "%00", "a" * 3000, "..", "%2e%2e",
     "12345678-1234-1234-1234-1234567890ab/../../evil"],
)
def test_path_like_attachment_names_are_refused(sandbox, monitor, name):
    response = monitor.put(f"/api/v1/attachments/{name}", data=jpeg_bytes(), headers={"Content-Type": "image/jpeg"})
    assert 400 <= response.status_code < 500, (name, response.status_code)


@pytest.mark.parametrize(
    ("path", "value"),
    [("uuid", "../../../evil"), ("uuid", "..\\..\\evil"), ("field", "../../../evil"), ("field", "foto/../../x"),
     ("sha256", "../" * 21 + "a"), ("content_type", "image/jpeg/../../x")],
)
def test_path_like_declarations_are_rejected_at_the_batch(sandbox, monitor, make_site, path, value):
    item = geber_item(make_site(factories.KOTA_MANNA).uuid)
    item["attachments"][0][path] = value
    (result,) = monitor.post(BATCH, json={"submissions": [item]}).json["results"]
    assert result["status"] == "rejected" and result["errors"], (path, value)


def test_an_evidence_photo_with_a_path_like_file_name_is_stored_under_a_server_name(app, sandbox, login_as):
    bappeda = login_as("bappeda")
    opd = login_as("opd", opd_code="DLH")
    with app.app_context():
        opd_id = factories.opd("DLH").id
    created = bappeda.post("/api/v1/followups", json={
        "title": "Bersihkan saluran", "assignee_opd_id": opd_id, "due_date": "2030-01-31"})
    assert created.status_code == 201, created.json
    followup_id = created.json["id"]
    assert opd.post(f"/api/v1/followups/{followup_id}/transition", json={"action": "start"}).status_code == 200
    photo = jpeg_bytes(300, 200) + PAYLOAD
    response = opd.post(
        f"/api/v1/followups/{followup_id}/complete",
        data={"note": "Sudah dibersihkan", "photo": (io.BytesIO(photo), "../../../../tmp/evil.html")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    stored = [p for p in sandbox.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].suffix == ".jpg"
    assert PAYLOAD not in stored[0].read_bytes()
    assert not Path("/tmp/evil.html").exists()


@pytest.mark.parametrize(
    "data",
    [gif_html_polyglot(), b"<html>" + PAYLOAD, jpeg_claiming(65000, 65000), png(9000, 5000)],
    ids=["gif polyglot", "html", "jpeg bomb", "huge"],
)
def test_hostile_evidence_photos_are_refused_with_a_4xx(app, sandbox, login_as, data):
    bappeda = login_as("bappeda")
    opd = login_as("opd", opd_code="DLH")
    with app.app_context():
        opd_id = factories.opd("DLH").id
    followup_id = bappeda.post("/api/v1/followups", json={
        "title": "Angkut sampah", "assignee_opd_id": opd_id, "due_date": "2030-01-31"}).json["id"]
    opd.post(f"/api/v1/followups/{followup_id}/transition", json={"action": "start"})
    response = opd.post(f"/api/v1/followups/{followup_id}/complete",
                        data={"note": "Selesai", "photo": (io.BytesIO(data), "bukti.jpg")},
                        content_type="multipart/form-data")
    assert response.status_code == 422, response.json
    assert not any(p.is_file() for p in sandbox.rglob("*"))
