"""The auditor's registry over HTTP (§6): endpoints and pages."""
