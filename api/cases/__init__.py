"""Cases over HTTP: objections and repairs, endpoints and pages."""
