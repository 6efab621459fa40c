"""The manypaths command: routes, invoke."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "manypaths", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_cli_routes_lists_endpoints_methods_rules() -> None:
    out = run("routes", "examples.api.app:app")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    assert any(line.split() == ["users.show_user", "GET", "/users/<int(min=1):user_id>"] for line in lines)
    assert any(line.split() == ["posts", "GET,", "POST", "/posts"] for line in lines)


def test_cli_invoke_runs_an_event(tmp_path: Path) -> None:
    event = json.loads((ROOT / "tests/fixtures/aws-events/apiGatewayProxyV2Event_GET.json").read_text())
    event["rawPath"] = "/users/1"
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    out = run("invoke", "examples.api.app:app", "--event", str(path))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["statusCode"] == 200 and json.loads(result["body"]) == {"id": 1, "name": "Ada"}


def test_cli_bad_app_spec_is_a_clear_error() -> None:
    out = run("routes", "nocolon")
    assert out.returncode != 0 and "module:attribute" in out.stderr
