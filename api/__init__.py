"""HTTP only: the app factory, routes per audience, dependencies and error mapping."""
