"""The demo data set: people, entries and queries."""
