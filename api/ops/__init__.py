"""Operations over HTTP: liveness, readiness, metrics, and the background upkeep loop."""
