"""The phone's reference data: what the field app needs to work offline."""
