"""The version of the service, shown in /health, /ready and the OpenAPI spec."""

__version__ = "1.0.0"
