"""Sites: the places monitors visit (schools, markets, drains, activity sites)."""
