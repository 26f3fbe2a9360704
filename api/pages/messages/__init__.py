"""Page messages (zh, en), one module per audience."""
