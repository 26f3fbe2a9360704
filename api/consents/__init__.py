"""Authorizations and freezes over HTTP (§6): endpoints and pages."""
