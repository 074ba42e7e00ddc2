"""Threads: conversations between named users, with validated participants and messages."""


def register(platform) -> None:
    """Plug this domain into the core (see ``intrasoft/platform.py``)."""
    from .compat import blp as compat_blp
    from .routes import blp
    from .seed import SEEDER

    platform.add_blueprint(blp)
    platform.add_blueprint(compat_blp)
    platform.add_seeder(SEEDER)
