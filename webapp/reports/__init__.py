"""Reports and exports, built by background jobs: the monthly evaluation, weekly GEBER summaries,
submissions as CSV/XLSX, sites as GeoJSON, photos as a ZIP."""
