"""Credit repair (§8): filings, the officer's decisions, the certifying-organisation registry."""
