"""The map: site status queries, the map data API and its compact GeoJSON.

The HTML pages live in the dashboard blueprint (`webapp/dashboard/map_views.py`) so that the
menu's `dashboard.map_view` endpoint exists; the JSON API is the smorest blueprint in `api.py`.
"""
