"""Repairs over HTTP (§8): endpoints and pages for citizens and repair officers."""
