"""Operations: background upkeep, metrics, master-key checks and rotation."""
