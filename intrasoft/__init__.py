"""IntraSoft: customers, opportunities, revenue forecasts, the countries connector and threads."""

__version__ = "1.0.0"


def create_app(config=None):  # re-exported so `flask --app intrasoft` finds the factory
    from .app import create_app as _create_app

    return _create_app(config)
