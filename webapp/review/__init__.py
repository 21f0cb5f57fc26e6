"""Review of submissions: received → approved, returned (perlu perbaikan) or rejected.

The HTML pages live on the dashboard blueprint (dashboard.review_list, dashboard.review_detail);
this package holds the rules (services.py) and the JSON endpoint (api.py).
"""
