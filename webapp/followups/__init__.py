"""Follow-ups (tindak lanjut) on what a visit or a review found: rules in services.py, HTML pages
in views.py, the JSON API in api.py."""
