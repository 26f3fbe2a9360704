"""The organisation registry: the departments and agencies Credence knows, by name."""
