"""Agency queries (§6): authorized, logged, with the citizen's and agency's notices."""
