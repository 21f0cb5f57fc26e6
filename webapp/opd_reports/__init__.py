"""The OPD's monthly realisation report: model, rules, pages (/opd/laporan/…) and API."""
