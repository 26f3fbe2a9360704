"""The API's reference for integrators: /docs, /redoc and a page at every problem type URI."""
