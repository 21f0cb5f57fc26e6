"""The map: site status queries, the map page (views.py), the map data API (api.py) and its
compact GeoJSON."""
