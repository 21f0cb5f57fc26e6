"""The public transparency map: approved GEBER scores, no login, no personal data.

Switched on and off by PUBLIC_MAP_ENABLED; photos only with PUBLIC_MAP_PHOTOS.
"""
