"""Services: the rules of SPEC §3–§9, each taking a session and keyword-only arguments."""
