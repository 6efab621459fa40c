"""The docs routes: ``App.enable_docs`` — the OpenAPI document and a Swagger UI page, served under
the app's script root. This module is small; ``manypaths.openapi`` (and msgspec) load with the first
request to either route."""

from __future__ import annotations

from .context import current_request
from .dispatch import HTML

TYPE_CHECKING = False

if TYPE_CHECKING:
    from .app import App
    from .http.response import Response


def enable_docs(app: App, path: str, spec_path: str, *, assets_url: str | None, title: str | None) -> None:
    """Add the ``openapi_spec`` and ``openapi_docs`` routes (see ``App.enable_docs``)."""

    def openapi_spec() -> Response:
        from . import openapi as openapi_module

        data = openapi_module.document_json(app, current_request().script_root)
        return app.response_class(data, content_type="application/json")

    def openapi_docs() -> Response:
        from . import openapi as openapi_module

        root = current_request().script_root
        assets = assets_url or app.config["DOCS_ASSETS_URL"] or openapi_module.SWAGGER_UI_CDN
        if assets.startswith("/"):
            assets = root + assets
        doc_title = title or f"{app.config['OPENAPI_TITLE'] or app.name} - API docs"
        page = openapi_module.docs_page(doc_title, root + spec_path, assets)
        return app.response_class(page, content_type=HTML)

    app.add_url_rule(spec_path, "openapi_spec", openapi_spec, include_in_schema=False)
    app.add_url_rule(path, "openapi_docs", openapi_docs, include_in_schema=False)
