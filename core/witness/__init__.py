"""The witness: cosigns the query log's checkpoints only when they extend what it saw."""
