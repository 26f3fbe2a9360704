"""The query log over HTTP (§6, §12): its public checkpoint, key and page."""
