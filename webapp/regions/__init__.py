"""Kecamatan and desa of the regency, from the Kemendagri codes."""
