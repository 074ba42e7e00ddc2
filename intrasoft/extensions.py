"""Extension singletons, bound to the app in ``create_app`` with ``init_app``."""

from flask_cors import CORS
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .schemas import ErrorSchema

# Named constraints so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IntraSoftApi(Api):
    """flask-smorest's Api documenting our error schema; errors are handled in ``errors.py``."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
cors = CORS()

API_DESCRIPTION = (
    "IntraSoft CRM and data platform. Errors always have the shape `{code, status, message, errors}`, "
    "with field errors under `errors.<location>.<field>`."
)


def make_api(app, *, extra_plugins=(), description: str = "") -> IntraSoftApi:
    """One Api (and so one spec) per app: the spec describes that app's configuration (which
    tokens it needs), so two apps in one process must not share it."""
    api = IntraSoftApi(spec_kwargs={"extra_plugins": list(extra_plugins)})
    app.config.setdefault("API_SPEC_OPTIONS", {}).setdefault("info", {})["description"] = " ".join(
        part for part in (API_DESCRIPTION, description) if part
    )
    api.init_app(app)
    app.extensions["intrasoft.api"] = api
    return api
