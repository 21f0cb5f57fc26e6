"""CPU of GET /api/v1/bootstrap, in-process: a monitor of one kecamatan among 5,000 sites.

Beside the cached answers (another monitor of the same scope, and a 304 with the ETag) prints
the baseline of the same run: the answer built from the database at every request, as before
the shared cache (the reference version is moved before each of those requests). Median CPU
milliseconds of `--rounds` requests each, with the load average.

    python bench/bootstrap.py                    # SQLite in a temporary directory
    BENCH_DATABASE_URL=postgresql+psycopg://… BENCH_REDIS_URL=redis://… python bench/bootstrap.py
"""
import argparse
import os
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import PASSWORD, app_env, fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    url, workdir = fresh_database(os.environ.get("BENCH_DATABASE_URL"))
    redis_url = os.environ.get("BENCH_REDIS_URL")
    os.environ.update(app_env(url, workdir, **({"REDIS_URL": redis_url} if redis_url else {})))
    if redis_url:
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
    from webapp import create_app, shared_cache
    from webapp.accounts.services import create_user
    from webapp.extensions import db
    from webapp.regions.models import Desa, Kecamatan
    from webapp.sites.models import Site

    app = create_app()
    rng = random.Random(2026)
    with app.app_context():
        kecamatan = db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.code)).all()
        desa = db.session.scalars(db.select(Desa)).all()
        for name in ("petugas1", "petugas2"):
            create_user(name, PASSWORD, "monitor", kecamatan_code=kecamatan[0].code)
        db.session.execute(db.insert(Site), [
            {"uuid": uuid.uuid4(), "name": f"Lokasi {n}", "kind": "sekolah", "desa_id": d.id,
             "kecamatan_id": d.kecamatan_id, "lat": -4.45 + rng.uniform(-0.2, 0.2), "lon": 102.9 + rng.uniform(-0.2, 0.2)}
            for n, d in ((n, desa[n % len(desa)]) for n in range(args.sites))])
        db.session.commit()

    def logged_in(name):
        client = app.test_client()
        page = client.get("/masuk").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        answer = client.post("/masuk", data={"username": name, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, answer.status_code
        return client

    first, second = logged_in("petugas1"), logged_in("petugas2")

    def cpu_ms(request) -> float:
        times = []
        for _ in range(args.rounds):
            started = time.process_time()
            response = request()
            times.append((time.process_time() - started) * 1000)
            assert response.status_code in (200, 304), response.status_code
        return statistics.median(times)

    def moved_then_get():
        with app.app_context():
            shared_cache.bump_reference_version()
        return first.get("/api/v1/bootstrap")

    print(f"load average {os.getloadavg()[0]:.1f}; {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, "
          f"{'Redis' if redis_url else 'in-process cache'}; {args.sites} sites")
    built = first.get("/api/v1/bootstrap")
    etag, size = built.headers["ETag"], len(built.data)
    rebuilt = cpu_ms(moved_then_get)
    shared = cpu_ms(lambda: second.get("/api/v1/bootstrap"))
    etag = second.get("/api/v1/bootstrap").headers["ETag"]
    not_modified = cpu_ms(lambda: second.get("/api/v1/bootstrap", headers={"If-None-Match": etag}))
    print(f"answer {size} bytes ({len(built.json['sites'])} sites in scope); median CPU per request, ms:")
    print(f"  built from the database (baseline: every request before the cache) {rebuilt:8.1f}")
    print(f"  from the shared cache, another user of the scope                  {shared:8.1f}"
          f"  ({rebuilt / shared:.0f}× less)")
    print(f"  304 Not Modified                                                  {not_modified:8.1f}"
          f"  ({rebuilt / not_modified:.0f}× less)")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
