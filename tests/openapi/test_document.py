"""The OpenAPI 3.1 document: valid (openapi-spec-validator) for the example app, the 203-route
GitHub API app and apps using every converter; in agreement with url_for; served under the
script root on every platform; printed by the CLI."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path as FilePath
from typing import Annotated, Any

import pydantic
import pytest
from openapi_spec_validator import validate

from examples.api.app import app as example_app
from manypaths import App, Blueprint, Header, Query, url_for
from manypaths.platforms import cloud_function, lambda_handler
from manypaths.routing import BaseConverter

ROOT = FilePath(__file__).resolve().parents[2]
GITHUB = ROOT / "benchmarks" / "routesets" / "github_api_werkzeug.txt"
EVENTS = ROOT / "tests" / "fixtures" / "aws-events"


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {op["operationId"]: (path, method) for path, item in doc["paths"].items() for method, op in item.items()}


def test_example_app_document() -> None:
    doc = example_app.openapi()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "manypaths example API", "version": "1.0"}
    ops = operations(doc)
    # Every route but the static files and the docs themselves; automatic HEAD/OPTIONS left out.
    assert ops == {
        "index": ("/", "get"), "users.list_users": ("/users/", "get"), "users.create_user": ("/users/", "post"),
        "users.show_user": ("/users/{user_id}", "get"), "posts_get": ("/posts", "get"),
        "posts_post": ("/posts", "post"), "show_post": ("/posts/{post_id}", "get"),
        "files": ("/files/{path}", "get"), "upload": ("/upload", "post"),
    }
    listing = doc["paths"]["/users/"]["get"]
    assert listing["summary"] == "List the users, oldest first."
    assert listing["tags"] == ["users"]
    assert listing["parameters"] == [{"name": "limit", "in": "query", "required": False,
                                      "description": "at most this many users",
                                      "schema": {"type": "integer", "minimum": 0}}]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/User"}}
    create = doc["paths"]["/users/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewUser"}
    assert set(create["responses"]) == {"201", "404", "422"}
    assert "422" in create["responses"] and "200" not in create["responses"]
    # The blueprint's documented 404 handler (its docstring) applies to its operations; the app's elsewhere.
    assert doc["paths"]["/users/{user_id}"]["get"]["responses"]["404"]["description"].startswith("No user has that id")
    assert doc["paths"]["/posts"]["get"]["responses"]["404"]["description"].startswith("Nothing is at that path")
    assert doc["paths"]["/users/{user_id}"]["get"]["parameters"][0]["schema"] == {"type": "integer", "minimum": 1}
    assert doc["paths"]["/posts/{post_id}"]["get"]["parameters"][0]["schema"] == {"type": "string", "format": "uuid"}
    assert doc["components"]["schemas"]["User"]["required"] == ["id", "name"]
    assert doc["tags"] == [{"name": "users"}]


def _github_app() -> App:
    app = App("github", title="GitHub API", version="3")
    for i, line in enumerate(GITHUB.read_text().splitlines()):
        method, rule = line.split()
        app.add_url_rule(rule, f"e{i}", (lambda r: lambda **kw: r)(rule), methods=[method])
    return app


def test_github_api_document_and_url_for_agree() -> None:
    app = _github_app()
    doc = app.openapi()
    validate(doc)
    ops = operations(doc)
    assert len(ops) == 203 and len(set(ops)) == 203
    # Every rule: url_for with sample values gives a URL the document's template matches.
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values = {name: f"v{n}" for n, name in enumerate(rule.arguments)}
            built = url_for(rule.endpoint, **values)
            path, method = ops[rule.endpoint]
            assert method == next(iter(rule.methods - {"HEAD", "OPTIONS"})).lower()
            pattern = re.escape(path)
            for name, value in values.items():
                pattern = pattern.replace(re.escape("{" + name + "}"), re.escape(value))
            assert re.fullmatch(pattern, built), (path, built)
            declared = [p["name"] for p in doc["paths"][path][method].get("parameters", [])]
            assert sorted(declared) == sorted(rule.arguments)


class HexConverter(BaseConverter):
    regex = "[0-9a-f]+"
    openapi = {"type": "string", "pattern": "^[0-9a-f]+$"}


class PlainCustom(BaseConverter):
    regex = "[A-Z]+"


CONVERTER_CASES = [
    ("<int:v>", 5, {"type": "integer", "minimum": 0}),
    ("<int(min=3, max=9):v>", 5, {"type": "integer", "minimum": 3, "maximum": 9}),
    ("<int(signed=True):v>", -5, {"type": "integer"}),
    ("<float:v>", 1.5, {"type": "number", "minimum": 0}),
    ("<float(signed=True, max=2.5):v>", -1.5, {"type": "number", "maximum": 2.5}),
    ("<uuid:v>", uuid.UUID(int=7), {"type": "string", "format": "uuid"}),
    ("<any(b, a, 'c d'):v>", "a", {"type": "string", "enum": ["b", "a", "c d"]}),
    ("<path:v>", "x/y", {"type": "string", "description": "may contain /"}),
    ("<v>", "x", {"type": "string", "minLength": 1}),
    ("<string(length=3):v>", "abc", {"type": "string", "minLength": 3, "maxLength": 3}),
    ("<string(minlength=2, maxlength=4):v>", "abc", {"type": "string", "minLength": 2, "maxLength": 4}),
    ("<hex:v>", "ff", {"type": "string", "pattern": "^[0-9a-f]+$"}),
    ("<plain:v>", "AB", {"type": "string"}),
]


@pytest.mark.parametrize(("part", "value", "schema"), CONVERTER_CASES, ids=[c[0] for c in CONVERTER_CASES])
def test_every_converter(part: str, value: Any, schema: dict[str, Any]) -> None:
    app = App(__name__, converters={"hex": HexConverter, "plain": PlainCustom})
    app.add_url_rule(f"/x/{part}/end", "x", lambda v: "ok")
    doc = app.openapi()
    validate(doc)
    assert list(doc["paths"]) == ["/x/{v}/end"]
    assert doc["paths"]["/x/{v}/end"]["get"]["parameters"] == [{"name": "v", "in": "path", "required": True,
                                                               "schema": schema}]
    with app.test_request_context():
        built = url_for("x", v=value)
    assert app.test_client().get(built).data == b"ok"  # the URL the document describes is served


@dataclasses.dataclass
class Tag:
    name: str


class Invoice(pydantic.BaseModel):
    number: str
    total: float = pydantic.Field(ge=0)
    tags: list[str] = []


def test_typed_views_in_the_document() -> None:
    app = App(__name__)
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.post("/invoices/<int:invoice_id>", status=201)
    def put_invoice(invoice_id: int, invoice: Invoice,
                    x_request_id: Annotated[str | None, Header(description="echoed back")] = None,
                    dry_run: Annotated[bool, Query(deprecated=True, example=True)] = False) -> Invoice:
        """Store an invoice."""
        return invoice

    @admin.get("/tags")
    def tags() -> list[Tag]:
        return [Tag("a")]

    @app.get("/hidden", include_in_schema=False)
    def hidden() -> str:
        return "no"

    app.register_blueprint(admin)
    doc = app.openapi()
    validate(doc)
    op = doc["paths"]["/admin/invoices/{invoice_id}"]["post"]
    assert op["operationId"] == "admin.put_invoice" and op["tags"] == ["admin"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Invoice"}
    assert doc["components"]["schemas"]["Invoice"]["properties"]["total"]["minimum"] == 0
    assert [(p["name"], p["in"]) for p in op["parameters"]] == [
        ("invoice_id", "path"), ("x-request-id", "header"), ("dry_run", "query")]
    assert op["parameters"][1]["description"] == "echoed back"
    assert op["parameters"][2]["deprecated"] is True and op["parameters"][2]["example"] is True
    assert set(op["responses"]) == {"201", "422"}
    assert doc["paths"]["/admin/tags"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/Tag"}}
    assert "/hidden" not in doc["paths"]


def _spec_and_page(get: Any, root: str) -> None:
    spec_status, spec_body = get(root + "/openapi.json")
    assert spec_status == 200
    doc = json.loads(spec_body)
    validate(doc)
    assert doc.get("servers", [{"url": ""}])[0]["url"] == root
    page_status, page = get(root + "/docs")
    assert page_status == 200
    text = page.decode()
    assert f'url: "{root}/openapi.json"' in text
    assert "swagger-ui-bundle.js" in text


def test_docs_under_a_wsgi_prefix(serve: Any) -> None:
    base = serve(example_app, prefix="/api")
    import urllib.request

    def get(path: str) -> tuple[int, bytes]:
        with urllib.request.urlopen(base + path, timeout=5) as r:
            return r.status, r.read()

    _spec_and_page(get, "/api")


def test_docs_on_lambda_with_a_stage() -> None:
    handler = lambda_handler(example_app)
    template = json.loads((EVENTS / "apiGatewayProxyEvent.json").read_text())

    def get(path: str) -> tuple[int, bytes]:
        event = copy.deepcopy(template)
        stage_path = path.removeprefix("/prod")
        event.update(path=stage_path, resource="/{proxy+}", httpMethod="GET", body=None, isBase64Encoded=False,
                     queryStringParameters=None, multiValueQueryStringParameters=None)
        event["headers"] = {"Host": "abc123.execute-api.us-east-1.amazonaws.com"}
        event["multiValueHeaders"] = {"Host": ["abc123.execute-api.us-east-1.amazonaws.com"]}
        event["requestContext"].update(stage="prod", path=path)
        result = handler(event, None)
        body = result["body"].encode()
        if result.get("isBase64Encoded"):
            import base64

            body = base64.b64decode(body)
        return result["statusCode"], body

    _spec_and_page(get, "/prod")


def test_docs_on_cloud_functions_with_a_prefix() -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request as WerkzeugRequest

    main = cloud_function(example_app, prefix="/api")

    def get(path: str) -> tuple[int, bytes]:
        request = WerkzeugRequest(EnvironBuilder(path=path).get_environ())
        response = main(request)
        return response.status_code, response.get_data()

    _spec_and_page(get, "/api")


def test_docs_page_escapes_what_it_embeds() -> None:
    app = App(__name__, title='</script><script>alert(1)</script>')
    app.enable_docs(assets_url='https://cdn.example/"onload="x')
    page = app.test_client().get("/docs").data.decode()
    assert "<script>alert(1)" not in page and "&lt;/script&gt;" in page
    assert '"onload="' not in page
    assert app.test_client().get("/openapi.json").get_json()["info"]["title"] == '</script><script>alert(1)</script>'


def test_self_hosted_assets_under_the_script_root() -> None:
    app = App(__name__)
    app.config["DOCS_ASSETS_URL"] = "/static/swagger"
    app.enable_docs(path="/api-docs", spec_path="/api.json")
    client = app.test_client()
    page = client.get("/api-docs", base_url="http://localhost/fn").data.decode()
    assert 'href="/fn/static/swagger/swagger-ui.css"' in page and 'url: "/fn/api.json"' in page
    assert client.get("/api.json").status_code == 200
    assert client.get("/openapi.json").status_code == 404


def test_cli_prints_and_writes_the_document(tmp_path: FilePath) -> None:
    run = [sys.executable, "-m", "manypaths", "openapi"]
    out = subprocess.run([*run, "examples.api.app:app"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(json.dumps(example_app.openapi()))
    target = tmp_path / "spec.json"
    out = subprocess.run([*run, "examples.api.main:main", "--output", str(target), "--server", "/prod"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    written = json.loads(target.read_text())
    validate(written)
    assert written["servers"] == [{"url": "/prod"}]
    out = subprocess.run([*run, "tests.cli_targets.kinds:bare_wsgi"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 2 and "is not a manypaths App" in out.stderr
