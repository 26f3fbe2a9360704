"""The domain: settings, storage, rules and services of Credence."""
