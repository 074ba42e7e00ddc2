"""CRM opportunities: deals tied to a customer, with status, probability and revenue."""


def register(platform) -> None:
    """Plug this domain into the core (see ``intrasoft/platform.py``)."""
    from .imports import KIND
    from .jobs import add_jobs
    from .routes import blp
    from .seed import SEEDER

    platform.add_blueprint(blp)
    platform.add_jobs(add_jobs)
    platform.add_seeder(SEEDER)
    platform.add_import_kind(KIND)
