"""List entries (§3–§5): recording, sealing, batches, lifecycle, the sweeper, subjects."""
