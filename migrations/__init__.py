"""Alembic migrations: dated, reversible revisions (never decrypt inside one)."""
