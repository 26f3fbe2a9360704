"""The citizen's personal credit report and the export of all their data (§1, §10)."""
