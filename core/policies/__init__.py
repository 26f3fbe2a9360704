"""Pure policies: no I/O, no database, no clock of their own (time is passed in)."""
