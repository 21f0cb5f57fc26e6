"""The server is SIGKILLed in the middle of a sync; after a restart the phone resends what it has not
seen acknowledged, and the database holds every submission exactly once, nothing half-written.

Runs on the suite's database: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.
"""
import json
import random
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests import factories
from tests.factories import geber_item, jpeg_bytes, new_site_ref
from tests.reliability import checks
from tests.reliability.servers import START_TIMEOUT, Phone, ServerDown
from webapp.extensions import db
from webapp.submissions.models import Attachment, Submission

ITEMS = 120
BATCH = 20
#: Where each kill lands: during a batch POST or during a photo PUT.
KILLS = ("batch", "photo", "batch", "photo")
BATCH_URL = "/api/v1/submissions/batch"


def make_outbox(site_uuids: list[str], desa_code: str) -> tuple[list[dict], dict[str, bytes]]:
    """Checks with one unique photo each; every fifth adds a new site, which the next item reuses."""
    items, photos = [], {}
    new_site = None
    for n in range(ITEMS):
        photo = jpeg_bytes(40 + n % 7, 30 + n % 5, (n % 256, (n * 7) % 256, 90))
        if n % 5 == 0:
            new_site = new_site_ref(desa_code, name=f"TPS baru {n}")
            site_ref = new_site
        elif n % 5 == 1 and new_site is not None:
            site_ref = dict(new_site)  # the same offline-made site, sent again with a later check
        else:
            site_ref = {"uuid": site_uuids[n % len(site_uuids)]}
        item = geber_item(site_ref["uuid"], photos=[photo])
        item["site"] = site_ref
        items.append(item)
        photos[item["attachments"][0]["uuid"]] = photo
    return items, photos


class Killer:
    """Kills the server while the phone has a request of the asked kind in flight, then restarts it."""

    def __init__(self, server, rng: random.Random):
        self.server = server
        self.rng = rng
        self.wanted: str | None = None
        self.in_flight = threading.Event()
        self.up = threading.Event()
        self.up.set()
        self.log: list[str] = []

    def about_to_send(self, kind: str) -> None:
        if self.wanted == kind:
            self.wanted = None
            self.in_flight.set()

    def kill_during(self, kind: str) -> bool:
        self.in_flight.clear()
        self.wanted = kind
        if not self.in_flight.wait(timeout=40):
            self.wanted = None
            return False
        delay = self.rng.uniform(0, 0.06)
        time.sleep(delay)
        self.up.clear()
        self.server.kill()
        started = time.monotonic()
        self.server.start()
        self.log.append(f"killed during a {kind} after {delay * 1000:.0f} ms; back in {time.monotonic() - started:.1f} s")
        self.up.set()
        return True


class Outbox:
    """The phone's queue: an item or photo leaves it only on an acknowledged success."""

    def __init__(self, phone: Phone, items: list[dict], photos: dict[str, bytes], killer: Killer):
        self.phone = phone
        self.items = list(items)
        self.photos = photos
        self.photo_queue: list[str] = []
        self.killer = killer
        self.acknowledged: set[str] = set()
        self.photos_acknowledged: set[str] = set()
        self.replayed_as_duplicate = 0
        self.failures = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 150
            while (self.items or self.photo_queue) and time.monotonic() < deadline:
                try:
                    self._sync_run()
                except ServerDown:
                    self.failures += 1
                    assert self.killer.up.wait(START_TIMEOUT + 10), "the server never came back"
        except BaseException as exc:  # noqa: BLE001 — handed to the test thread, which re-raises it
            self.error = exc

    def _sync_run(self) -> None:
        self.phone.refresh_csrf()
        while self.items or self.photo_queue:
            if self.photo_queue:
                self._upload(self.photo_queue[0])
                continue
            batch = self.items[:BATCH]
            self.killer.about_to_send("batch")
            status, body = self.phone.post_json(BATCH_URL, {"submissions": batch})
            assert status == 200, f"batch: HTTP {status} {body[:300]!r}"
            results = json.loads(body)["results"]
            by_uuid = {item["uuid"]: item for item in batch}
            for result in results:
                assert result["status"] in ("created", "duplicate"), result
                self.replayed_as_duplicate += result["status"] == "duplicate"
                self.acknowledged.add(result["uuid"])
                for att in by_uuid[result["uuid"]]["attachments"]:
                    if att["uuid"] not in self.photos_acknowledged and att["uuid"] not in self.photo_queue:
                        self.photo_queue.append(att["uuid"])
            self.items = [item for item in self.items if item["uuid"] not in self.acknowledged]

    def _upload(self, att_uuid: str) -> None:
        self.killer.about_to_send("photo")
        status, body = self.phone.put_bytes(f"/api/v1/attachments/{att_uuid}", self.photos[att_uuid])
        assert status == 200, f"photo: HTTP {status} {body[:300]!r}"
        self.photos_acknowledged.add(att_uuid)
        self.photo_queue.remove(att_uuid)


@pytest.mark.slow
def test_killing_the_server_mid_sync_loses_nothing_and_stores_everything_once(
        app, start_server, make_user, make_site, tmp_path, rng, capsys):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sites = [make_site(factories.KOTA_MANNA) for _ in range(3)]
    items, photos = make_outbox([str(s.uuid) for s in sites], factories.first_desa_code(factories.KOTA_MANNA))
    declared = {item["uuid"]: {a["uuid"] for a in item["attachments"]} for item in items}

    server = start_server(workers=2, threads=2)
    phone = Phone(server.port, user.username, factories.PASSWORD)
    killer = Killer(server, rng)
    outbox = Outbox(phone, items, photos, killer)
    thread = threading.Thread(target=outbox.run, daemon=True)
    thread.start()
    kills = sum(killer.kill_during(kind) for kind in KILLS)
    thread.join(timeout=180)
    assert not thread.is_alive(), "the phone never finished syncing"
    phone.close()
    if outbox.error:
        raise outbox.error
    server.stop()

    storage_root = Path(server.env["STORAGE_ROOT"])
    with app.app_context():
        counts = checks.set_counts({i["uuid"] for i in items}, outbox.acknowledged)
        problems = checks.half_written(declared, {s.id for s in sites})
        temp_files = sorted(str(p) for p in storage_root.rglob(".tmp-*"))
        app.config["STORAGE_ROOT"], saved_root = str(storage_root), app.config["STORAGE_ROOT"]
        # Inline even when the run has Redis: no worker drains the queue in this test.
        saved_redis, app.config["REDIS_URL"] = app.config.get("REDIS_URL"), None
        try:
            from webapp.jobs_sweep import requeue_pending, stale_site_ids

            # What the restarted deployment does first (the worker's start-up sweep; here inline).
            swept = requeue_pending(temp_age_s=0)
            db.session.expire_all()
            orphans, missing = checks.storage_problems(storage_root)
            stale_after_sweep = stale_site_ids()
        finally:
            app.config["STORAGE_ROOT"], app.config["REDIS_URL"] = saved_root, saved_redis
        states = db.session.execute(
            db.select(Submission.status, db.func.count()).group_by(Submission.status)).all()
        att_states = db.session.execute(
            db.select(Attachment.state, db.func.count()).group_by(Attachment.state)).all()
    with capsys.disabled():
        print(f"\n[server killed] PANTAU_TEST_SEED={rng.run_seed} kills={kills} failed requests={outbox.failures} "
              f"replays answered duplicate={outbox.replayed_as_duplicate}")
        for line in killer.log:
            print(f"[server killed]   {line}")
        print(counts.line("server killed"))
        print(f"[server killed] temp files left by kills={len(temp_files)}; sweep: {swept}; "
              f"submission states={dict(states)} attachment states={dict(att_states)}")

    assert kills >= 3, "the kills did not land during the sync"
    assert (counts.lost, counts.duplicated, counts.unexpected) == (0, 0, 0)
    assert counts.stored == ITEMS and outbox.acknowledged == set(declared)
    assert outbox.photos_acknowledged == set(photos)
    assert problems == []
    assert dict(states) == {"complete": ITEMS}
    assert dict(att_states) == {"processed": ITEMS}
    assert orphans == [] and missing == []
    # A kill between the batch's commit and its status refresh leaves a site stale until the sweep.
    assert stale_after_sweep == []
    assert not server.server_errors(), server.server_errors()


def test_uuids_of_the_outbox_are_what_the_checks_count(app):
    """The set checks themselves: a stored UUID never sent is unexpected, an acknowledged one missing is lost."""
    sent = {str(uuid.uuid4()) for _ in range(3)}
    with app.app_context():
        counts = checks.set_counts(sent, set(sent))
    assert (counts.lost, counts.duplicated, counts.unexpected, counts.stored) == (3, 0, 0, 0)
