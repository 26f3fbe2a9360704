"""The `credence` command line."""
