import threading
from concurrent.futures import ThreadPoolExecutor
from tests import factories
from tests.payloads import geber_item, jpeg_bytes
from tests.conftest import AuthActions, ApiClient
import webapp.submissions.services as services

def test_probe(app, make_user, make_site, monkeypatch):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site()
    tabs = []
    for _ in range(2):
        c = app.test_client(); AuthActions(c).login(user.username); tabs.append(ApiClient(c))
    for t in tabs: t.token()
    barrier = threading.Barrier(2)
    real = services._insert
    def paused(u, items):
        if len(items) > 1:
            try: barrier.wait(timeout=5)
            except threading.BrokenBarrierError: pass
        return real(u, items)
    monkeypatch.setattr(services, "_insert", paused)
    items = [geber_item(site.uuid, photos=[jpeg_bytes()]) for _ in range(30)]
    orders = [items, list(reversed(items))]
    with ThreadPoolExecutor(2) as pool:
        res = list(pool.map(lambda i: tabs[i].post("/api/v1/submissions/batch", json={"submissions": orders[i]}), range(2)))
    print("\n", [r.status_code for r in res], [sorted({x["status"] for x in r.json["results"]}) if r.status_code == 200 else r.json for r in res])
