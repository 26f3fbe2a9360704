"""Public data over HTTP (§9): endpoints and pages."""
