"""Concurrent writers against a real gunicorn with several workers.

Two tabs of one monitor sending the same batch at once store one copy per UUID; four phones
writing at once never get a 5xx, also on SQLite where only one writer holds the lock at a time.
"""
import json
import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories
from tests.factories import geber_item, jpeg_bytes, new_site_ref
from tests.helpers import ApiClient, AuthActions
from tests.reliability import checks
from tests.reliability.servers import Phone
from webapp.extensions import db
from webapp.sites.models import Site

BATCH_URL = "/api/v1/submissions/batch"
#: Rounds of the held race: without the fix one of twelve deadlocked on PostgreSQL in every trial run.
DEADLOCK_ROUNDS = 12


def outbox(site_uuids: list[str], desa_code: str, count: int, rng: random.Random, photos: dict) -> list[dict]:
    """Checks on known sites, and on sites made offline (a new site, then a second check of it).

    Each check declares one photo (the form requires one); its bytes are kept in `photos` by attachment UUID.
    """
    items = []
    for n in range(count):
        shot = jpeg_bytes(32, 24, (rng.randrange(256), rng.randrange(256), n % 256))
        if n % 6 == 0:
            ref = new_site_ref(desa_code, name=f"Lokasi baru {n}")
        elif n % 6 == 1:
            ref = dict(items[-1]["site"])
        else:
            ref = {"uuid": rng.choice(site_uuids)}
        item = geber_item(ref["uuid"], photos=[shot])
        item["site"] = ref
        items.append(item)
        photos[item["attachments"][0]["uuid"]] = shot
    return items


@pytest.mark.slow
def test_the_same_batch_from_two_tabs_at_once_is_stored_once(app, start_server, make_user, make_site, rng, capsys):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sites = [make_site(factories.KOTA_MANNA) for _ in range(4)]
    desa = factories.first_desa_code(factories.KOTA_MANNA)
    server = start_server(workers=3, threads=2)
    tabs = [Phone(server.port, user.username, factories.PASSWORD) for _ in range(2)]
    assert tabs[0].cookies != tabs[1].cookies, "two tabs must be two sessions"

    rounds, per_round = 8, 30
    answers: dict[str, list[str]] = defaultdict(list)
    statuses = Counter()
    sent: list[dict] = []
    for round_no in range(rounds):
        items = outbox([str(s.uuid) for s in sites], desa, per_round, rng, photos={})
        sent += items
        # The second tab holds the same outbox in another order: overlapping writes in opposite orders.
        orders = [items, list(reversed(items)) if round_no % 2 else rng.sample(items, len(items))]
        barrier = threading.Barrier(2)

        def send(tab_no: int):
            barrier.wait(timeout=30)
            return tabs[tab_no].post_json(BATCH_URL, {"submissions": orders[tab_no]})

        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(send, range(2)))
        for status, body in responses:
            statuses[status] += 1
            assert status == 200, body[:500]
            for result in json.loads(body)["results"]:
                answers[result["uuid"]].append(result["status"])
    for tab in tabs:
        tab.close()

    with app.app_context():
        acknowledged = {u for u, a in answers.items() if set(a) <= {"created", "duplicate"}}
        counts = checks.set_counts({i["uuid"] for i in sent}, acknowledged)
        problems = checks.half_written({i["uuid"]: {a["uuid"] for a in i["attachments"]} for i in sent},
                                       {s.id for s in sites})
        new_sites = db.session.scalar(db.select(db.func.count(Site.id))) - len(sites)
    created_per_uuid = Counter(statuses_of.count("created") for statuses_of in answers.values())
    with capsys.disabled():
        print(f"\n[two tabs] {rounds} rounds × {per_round} items, HTTP {dict(statuses)}; "
              f"answers per UUID {dict(Counter(tuple(sorted(a)) for a in answers.values()))}")
        print(counts.line("two tabs"))
    assert (counts.lost, counts.duplicated, counts.unexpected) == (0, 0, 0)
    assert counts.stored == rounds * per_round
    # Each UUID: one tab's answer says created, the other's duplicate — whoever lost the race.
    assert all(sorted(a) == ["created", "duplicate"] for a in answers.values()), answers
    assert created_per_uuid == {1: rounds * per_round}
    assert problems == []
    assert new_sites == rounds * len(range(0, per_round, 6))
    assert not server.server_errors(), server.server_errors()


@pytest.mark.slow
def test_four_phones_writing_at_once_never_get_a_server_error(app, start_server, make_user, make_site, rng, capsys):
    """SQLite allows one writer at a time: the others wait (busy timeout) instead of failing."""
    writers, batches, per_batch = 4, 6, 25
    users = [make_user("monitor", kecamatan_code=factories.KOTA_MANNA) for _ in range(writers)]
    sites = [make_site(factories.KOTA_MANNA) for _ in range(6)]
    desa = factories.first_desa_code(factories.KOTA_MANNA)
    server = start_server(workers=writers, threads=1)
    phones = [Phone(server.port, u.username, factories.PASSWORD) for u in users]
    photos: dict[str, bytes] = {}
    plans = [[outbox([str(s.uuid) for s in sites], desa, per_batch, rng, photos) for _ in range(batches)] for _ in users]
    # Wrong bytes on purpose for one photo in ten, drawn before the threads start so a seed replays
    # the same ones: a 422, never a 5xx.
    wrong = {item["attachments"][0]["uuid"] for plan in plans for items in plan for item in items
             if rng.random() >= 0.9}
    barrier = threading.Barrier(writers)

    def sync(n: int) -> Counter:
        phone, seen = phones[n], Counter()
        barrier.wait(timeout=30)
        for items in plans[n]:
            status, body = phone.post_json(BATCH_URL, {"submissions": items})
            seen[f"batch {status}"] += 1
            if status != 200:
                seen[body[:200].decode(errors="replace")] += 1
                continue
            for item in items:
                att = item["attachments"][0]
                data = jpeg_bytes(33, 24) if att["uuid"] in wrong else photos[att["uuid"]]
                status, _body = phone.put_bytes(f"/api/v1/attachments/{att['uuid']}", data)
                seen[f"photo {status}"] += 1
        return seen

    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(sync, range(writers)))
    for phone in phones:
        phone.close()
    total = sum(results, Counter())
    sent = [item for plan in plans for items in plan for item in items]
    with app.app_context():
        counts = checks.set_counts({i["uuid"] for i in sent}, {i["uuid"] for i in sent})
    locked = server.log_tail(500_000).count("database is locked")
    with capsys.disabled():
        print(f"\n[four writers] {dict(total)}; 'database is locked' in the log: {locked}")
        print(counts.line("four writers"))
    assert not [key for key in total if key.startswith(("batch 5", "photo 5"))], total
    assert total["batch 200"] == writers * batches
    assert (counts.lost, counts.duplicated, counts.unexpected) == (0, 0, 0)
    assert locked == 0 and not server.server_errors(), server.server_errors()


@pytest.mark.slow
def test_two_tabs_writing_the_same_items_in_opposite_orders_at_the_same_moment_do_not_deadlock(
        app, make_user, make_site, rng, monkeypatch):
    """The race above, made likely: both requests are held until both reach their INSERTs.

    In opposite orders, PostgreSQL's unique-index waits can form a cycle and end one request with
    a deadlock error (a 500); the service writes rows in UUID order so the tabs queue instead.
    """
    import webapp.submissions.services as services

    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sites = [make_site(factories.KOTA_MANNA) for _ in range(2)]
    tabs = []
    for _ in range(2):
        client = app.test_client()
        AuthActions(client).login(user.username)
        tabs.append(ApiClient(client))
        tabs[-1].token()
    barrier = threading.Barrier(2)
    insert = services._insert

    def held(user, items):
        if len(items) > 1:  # the batched write, not the item-by-item fallback
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass  # the other tab had nothing left to write: it answered from what it read
        return insert(user, items)

    monkeypatch.setattr(services, "_insert", held)
    answers, sent = [], []
    for _round in range(DEADLOCK_ROUNDS):
        # Known sites only: a new site's INSERT would come first and serialise the two tabs early.
        items = [geber_item(rng.choice(sites).uuid, photos=[jpeg_bytes(16, 16, (n, 0, 0))]) for n in range(100)]
        sent += items
        orders = [items, list(reversed(items))]
        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(lambda n: tabs[n].post(BATCH_URL, json={"submissions": orders[n]}), range(2)))
        assert [r.status_code for r in responses] == [200, 200], [r.json for r in responses]
        answers.append(sorted(tuple(sorted({x["status"] for x in r.json["results"]})) for r in responses))
    assert all(pair == [("created",), ("duplicate",)] for pair in answers), answers
    with app.app_context():
        counts = checks.set_counts({i["uuid"] for i in sent}, {i["uuid"] for i in sent})
    assert (counts.lost, counts.duplicated, counts.unexpected) == (0, 0, 0)
