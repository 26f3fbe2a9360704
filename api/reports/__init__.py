"""The personal credit report and export over HTTP: endpoints, pages, PDF."""
