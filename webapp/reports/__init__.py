"""Reports and exports, built by background jobs."""
