"""The auditor's registry of queries (§6): projection, rule flags, manual flags."""
