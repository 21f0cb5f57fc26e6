"""The home page and the desk of each role."""
