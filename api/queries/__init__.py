"""Agency queries over HTTP (§6): the query, the outboxes, the citizen's history."""
