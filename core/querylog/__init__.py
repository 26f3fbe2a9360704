"""The tamper-evident query log (§6, §12): leaves, appends, checkpoints, proofs, verification."""
