"""Identity: who is calling (verified access tokens) and what role they hold."""
