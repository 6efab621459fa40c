"""A module with only a create_app() factory, as Flask's CLI finds it."""

from __future__ import annotations

from typing import Any

from manypaths import App


def create_app() -> App:
    app = App(__name__)

    @app.get("/made")
    def made() -> Any:
        return "made by the factory"

    return app
