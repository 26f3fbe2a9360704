"""Public data (§9): masked lists, exit announcements, the masked lookup."""
