"""Swagger UI served from the packaged swagger-ui-bundle, so the docs work offline.

The page (``templates/swagger_ui.html``, overriding flask-smorest's) has no inline script:
its set-up is ``SWAGGER_UI_INIT``, served here, so its Content-Security-Policy (app.py's
``DOCS_CSP``) needs no ``'unsafe-inline'``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, send_from_directory
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/api/docs/assets/"
#: Seconds browsers may cache the assets (they change only with the package).
ASSETS_MAX_AGE = 86400
#: What flask-smorest's template did inline: the spec URL and config come from data attributes.
SWAGGER_UI_INIT = """\
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = {url: container.dataset.specUrl, dom_id: "#swagger-ui-container"};
  var overrides = JSON.parse(container.dataset.config || "{}");
  for (var name in overrides) { config[name] = overrides[name]; }
  window.ui = SwaggerUIBundle(config);
});
"""

blp = Blueprint("docs", __name__)


@blp.get("/docs")
def docs():
    return redirect("/api/docs", code=302)


@blp.get("/api/docs/init.js")
def swagger_ui_init():
    response = Response(SWAGGER_UI_INIT, mimetype="text/javascript")
    response.cache_control.max_age = ASSETS_MAX_AGE
    response.cache_control.public = True
    return response


@blp.get(ASSETS_URL + "<path:filename>")
def swagger_ui_assets(filename):
    return send_from_directory(str(swagger_ui_path), filename, max_age=ASSETS_MAX_AGE)
