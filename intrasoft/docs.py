"""Swagger UI served from the packaged swagger-ui-bundle, so the docs work offline."""

from __future__ import annotations

from flask import Blueprint, redirect, send_from_directory
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/api/docs/assets/"

blp = Blueprint("docs", __name__)


@blp.get("/docs")
def docs():
    return redirect("/api/docs", code=302)


@blp.get(ASSETS_URL + "<path:filename>")
def swagger_ui_assets(filename):
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
