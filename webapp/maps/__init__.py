"""The map: site status queries, the map page (views.py), the map data API (api.py) and its
compact GeoJSON."""


def init_app(app) -> None:
    """Keep the map's prebuilt files current: listen to the writes that change them."""
    from webapp.maps import snapshots, tasks

    snapshots.connect()
    tasks.connect()
