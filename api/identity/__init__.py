"""Identity over HTTP: the embedded issuer's endpoints and the sign-in pages."""
