"""Entries over HTTP: the recorder's endpoints and pages, the citizen's record."""
