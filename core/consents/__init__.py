"""Citizen authorizations and record freezes (§6)."""
