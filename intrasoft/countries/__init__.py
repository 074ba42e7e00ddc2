"""The countries connector: people from randomuser.me by country, synced on a schedule."""


def register(platform) -> None:
    """Plug this domain into the core (see ``intrasoft/platform.py``)."""
    from .cli import sync_command
    from .jobs import add_jobs
    from .routes import blp
    from .seed import SEEDER

    platform.add_blueprint(blp)
    platform.add_jobs(add_jobs)
    platform.add_seeder(SEEDER)
    platform.add_command(sync_command)
