"""GEBER, the cleanliness movement: what its clean-up actions add up to."""
