"""Objections over HTTP (§7): endpoints and pages for citizens and objection officers."""
