"""Cases: the engine objections and repairs share, and each on top of it."""
