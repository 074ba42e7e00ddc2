"""IntraSoft: customers, opportunities, revenue forecasts, the countries connector and threads."""

from .version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config=None):  # re-exported so `flask --app intrasoft` finds the factory
    from .app import create_app as _create_app

    return _create_app(config)
