"""Identity: access tokens, the issuer, OIDC sign-in, clients, browser sessions."""
