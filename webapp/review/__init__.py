"""Review of submissions: received → approved, returned (perlu perbaikan) or rejected.

The rules are in services.py, the HTML pages in views.py (review.index, review.detail), the JSON
endpoint in api.py.
"""
