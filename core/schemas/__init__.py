"""Request and response schemas of the domain (never table models)."""
