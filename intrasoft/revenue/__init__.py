"""Revenue actuals and targets per Area, the pipeline forecast and the data-quality report."""


def register(platform) -> None:
    """Plug this domain into the core (see ``intrasoft/platform.py``)."""
    from .data_quality.routes import blp as data_quality_blp
    from .imports import ACTUALS, TARGETS
    from .routes import blp
    from .seed import SEEDER

    platform.add_blueprint(blp)
    platform.add_blueprint(data_quality_blp)
    platform.add_seeder(SEEDER)
    platform.add_import_kind(ACTUALS)
    platform.add_import_kind(TARGETS)
