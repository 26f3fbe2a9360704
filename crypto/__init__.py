"""Cryptography for Credence: keys, envelopes, blind index, Merkle log, signing."""
