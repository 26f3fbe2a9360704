"""The witness's HTTP side (C2SP tlog-witness), a process of its own."""
