"""Objections (§7): filings, the officer's decisions, corrections."""
