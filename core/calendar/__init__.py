"""Working days (§4): the official schedule, the provisional calendar, provisional deadlines."""
