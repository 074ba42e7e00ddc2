"""Customers: the roster of accounts with their Area, account team, contract and flags."""


def register(platform) -> None:
    """Plug this domain into the core (see ``intrasoft/platform.py``)."""
    from .imports import KIND
    from .routes import blp
    from .seed import SEEDER

    platform.add_blueprint(blp)
    platform.add_seeder(SEEDER)
    platform.add_import_kind(KIND)
