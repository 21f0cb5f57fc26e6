"""Rakor mode: the monthly coordination meeting on the projector, and its decisions."""
