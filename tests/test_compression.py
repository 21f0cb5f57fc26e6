"""The app compresses its own text answers; validators, 304s and pre-encoded answers still work."""
import gzip

GZ = {"Accept-Encoding": "gzip, deflate, br"}


def test_the_field_shell_comes_gzipped_to_a_client_that_accepts_it(client):
    plain = client.get("/lapangan/shell")
    packed = client.get("/lapangan/shell", headers=GZ)
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_a_static_module_is_gzipped_and_its_gzip_etag_revalidates_to_304(client):
    first = client.get("/static/js/form-renderer.js", headers=GZ)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    etag = first.headers["ETag"]
    assert etag.endswith('-gz"')
    again = client.get("/static/js/form-renderer.js", headers={**GZ, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and again.data == b""
    plain = client.get("/static/js/form-renderer.js")
    assert gzip.decompress(first.data) == plain.data and not plain.headers["ETag"].endswith('-gz"')
    first.close(), again.close(), plain.close()


def test_the_bootstrap_still_answers_304_to_its_gzip_etag(login_as):
    monitor = login_as("monitor")
    first = monitor.get("/api/v1/bootstrap", headers=GZ)
    assert first.headers["Content-Encoding"] == "gzip"
    again = monitor.get("/api/v1/bootstrap", headers={**GZ, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_small_and_already_encoded_answers_are_left_alone(client):
    ping = client.get("/api/v1/ping", headers=GZ)
    assert ping.headers.get("Content-Encoding") is None
    public = client.get("/api/v1/public/list", headers=GZ)
    assert public.status_code == 200 and public.headers["Content-Encoding"] == "gzip"
    # Compressed once by the map code, not twice.
    assert gzip.decompress(public.data).startswith(b"{")
