"""Submissions from the field and their photos."""
