"""What every page shares: rendering, sessions, CSRF, the message catalogue, refusals."""
