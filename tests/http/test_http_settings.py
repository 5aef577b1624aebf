"""Settings, the command-line commands, and the HTTP plugin hooks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import falcon
import jwt
import pytest
from falcon import testing
from http_support import SECRET, Api, data, make_settings, token

from finance_core.errors import ConfigurationError
from finance_core.plugins import hookimpl, make_plugin_manager
from finance_http import hookspecs
from finance_http.app import Dependencies, build_dependencies, create_app
from finance_http.problems import ErrorMapping
from finance_http.routing import Operation, Route
from finance_http.settings import load_settings

CLI = str(Path(sys.executable).with_name("finance-planner"))


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        cwd=cwd,
        env=env or {"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestSettings:
    def test_defaults(self) -> None:
        """With nothing set: SQLite default, 30 s leeway, 1 MiB bodies, docs on, HS256."""
        settings = load_settings({}, None)
        assert (
            settings.database_url,
            settings.jwt_leeway_seconds,
            settings.max_body_bytes,
            settings.docs_enabled,
            settings.jwt_algorithms,
        ) == ("sqlite:///finance.db", 30, 1024 * 1024, True, ("HS256",))

    def test_short_secret_is_refused_with_the_reason(self) -> None:
        """A secret under 32 bytes stops start-up, citing RFC 7518."""
        with pytest.raises(ConfigurationError, match="RFC 7518"):
            load_settings({"SECRET_KEY": "x" * 31}, None)

    def test_leeway_above_60_is_refused(self) -> None:
        """JWT_LEEWAY_SECONDS is capped at 60."""
        with pytest.raises(ConfigurationError, match="JWT_LEEWAY_SECONDS"):
            load_settings({"JWT_LEEWAY_SECONDS": "61"}, None)

    def test_every_problem_is_reported_at_once(self) -> None:
        """Several bad settings are all named in one error."""
        with pytest.raises(ConfigurationError) as caught:
            load_settings({"DEBUG": "maybe", "LOG_LEVEL": "LOUD", "JWT_ALGORITHMS": "none"}, None)
        assert all(n in str(caught.value) for n in ("DEBUG", "LOG_LEVEL", "JWT_ALGORITHMS"))

    def test_environment_overrides_dot_env(self, tmp_path: Path) -> None:
        """.env fills in; the real environment wins."""
        env_file = tmp_path / ".env"
        env_file.write_text("DEFAULT_CURRENCY=EUR\nLOG_LEVEL=DEBUG\n")
        settings = load_settings({"LOG_LEVEL": "ERROR"}, env_file)
        assert (settings.default_currency, settings.log_level) == ("EUR", "ERROR")

    def test_cors_origins_are_split(self) -> None:
        """CORS_ORIGINS is comma-separated."""
        settings = load_settings({"CORS_ORIGINS": "https://a.example, https://b.example"}, None)
        assert settings.cors_origins == ("https://a.example", "https://b.example")

    @pytest.mark.parametrize("value", ["0", "65", "many"])
    def test_expensive_cap_out_of_range_is_refused(self, value: str) -> None:
        """EXPENSIVE_REQUESTS_PER_TENANT takes 1 to 64."""
        with pytest.raises(ConfigurationError, match="EXPENSIVE_REQUESTS_PER_TENANT"):
            load_settings({"EXPENSIVE_REQUESTS_PER_TENANT": value}, None)

    def test_example_file_lists_every_setting(self) -> None:
        """.env.example names every setting the service reads."""
        example = (Path(__file__).parents[2] / ".env.example").read_text()
        for name in load_settings({}, None).described():
            assert f"\n{name}=" in example


class TestCors:
    def test_allowed_origin_gets_cors_headers(self, storage_url: str) -> None:
        """A listed origin is echoed back, with credentials allowed."""
        settings = make_settings(storage_url, CORS_ORIGINS="https://app.example")
        client = testing.TestClient(create_app(build_dependencies(settings)))
        result = Api(client, token()).get(
            "/api/accounts", headers={"Origin": "https://app.example"}
        )
        assert result.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert result.headers["Access-Control-Allow-Credentials"] == "true"

    def test_wildcard_never_allows_credentials(self, storage_url: str) -> None:
        """CORS_ORIGINS=* answers * and no credentials header."""
        settings = make_settings(storage_url, CORS_ORIGINS="*")
        client = testing.TestClient(create_app(build_dependencies(settings)))
        result = Api(client, token()).get("/api/accounts", headers={"Origin": "https://x.example"})
        assert result.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in result.headers


class TestCommands:
    def test_token_prints_an_mcp_auth_token(self, tmp_path: Path) -> None:
        """finance-planner token signs exactly MCP_Auth's claims with the secret."""
        result = run_cli(
            "token",
            "--sub",
            "42",
            "--tenant",
            "7",
            "--role",
            "member",
            cwd=tmp_path,
            env={"SECRET_KEY": SECRET},
        )
        claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"])
        assert set(claims) == {"sub", "email", "tenant_id", "role", "exp", "iat", "scopes"}
        assert (claims["sub"], claims["tenant_id"], claims["role"]) == ("42", "7", "MEMBER")

    def test_token_without_secret_says_how_to_get_one(self, tmp_path: Path) -> None:
        """Without SECRET_KEY the token command fails with a fix."""
        result = run_cli("token", "--sub", "1", "--tenant", "1", cwd=tmp_path)
        assert result.returncode == 1
        assert "SECRET_KEY is not set" in result.stderr

    def test_check_config_masks_the_secret(self, tmp_path: Path) -> None:
        """check-config shows settings but never the secret."""
        result = run_cli("check-config", cwd=tmp_path, env={"SECRET_KEY": SECRET})
        assert result.returncode == 0
        assert "SECRET_KEY" in result.stdout and SECRET not in result.stdout

    def test_check_config_reports_problems(self, tmp_path: Path) -> None:
        """check-config exits 1 and names a bad setting."""
        result = run_cli("check-config", cwd=tmp_path, env={"MAX_BODY_BYTES": "lots"})
        assert result.returncode == 1
        assert "MAX_BODY_BYTES" in result.stderr


class _Boom(Exception):
    pass


class _Plugin:
    """Uses every HTTP hook."""

    class Summary:
        def on_get(self, req: Any, resp: falcon.Response) -> None:
            resp.media = {"caller": req.require_caller().principal.user_id}

    class Fails:
        def on_get(self, req: Any, resp: falcon.Response) -> None:
            raise _Boom("quota")

    class Crashes:
        def on_get(self, req: Any, resp: falcon.Response) -> None:
            raise RuntimeError("bug")

    class Stamp:
        def process_response(
            self, req: Any, resp: falcon.Response, resource: object, ok: bool
        ) -> None:
            resp.set_header("X-Stamp", "yes")

    @hookimpl
    def finance_http_routes(self, deps: Dependencies) -> Sequence[Route]:
        op = Operation("GET", "getSummary", "Who calls", {200: ("Caller.", "Summary")})
        return [
            Route(
                "/api/reports/summary",
                self.Summary(),
                (op,),
                tag="reports",
                schemas={"Summary": {"type": "object"}},
            ),
            Route(
                "/api/reports/fails",
                self.Fails(),
                (Operation("GET", "getFails", "Fails", {200: ("Never.", None)}),),
                tag="reports",
            ),
            Route(
                "/api/reports/crashes",
                self.Crashes(),
                (Operation("GET", "getCrash", "Crashes", {200: ("Never.", None)}),),
                tag="reports",
            ),
        ]

    @hookimpl
    def finance_http_middleware(self, deps: Dependencies) -> Sequence[object]:
        return [self.Stamp()]

    @hookimpl
    def finance_http_error_mappings(self) -> Sequence[ErrorMapping]:
        return [ErrorMapping(_Boom, 429, "Quota exceeded", "quota")]


class TestPluginHooks:
    @pytest.fixture
    def plugged(self, storage_url: str) -> Api:
        plugins = make_plugin_manager([_Plugin()])
        deps = build_dependencies(make_settings(storage_url), plugins)
        return Api(testing.TestClient(create_app(deps)), token())

    def test_plugin_route_is_served_with_the_caller(self, plugged: Api) -> None:
        """A contributed route answers and sees the authenticated caller."""
        assert data(plugged.get("/api/reports/summary")) == {"caller": "1"}

    def test_plugin_route_is_documented(self, plugged: Api) -> None:
        """A contributed route appears in /openapi.json with its schema."""
        document = data(plugged.get("/openapi.json"))
        assert "/api/reports/summary" in document["paths"]
        assert "Summary" in document["components"]["schemas"]

    def test_plugin_middleware_runs(self, plugged: Api) -> None:
        """Contributed middleware sees every response."""
        assert plugged.get("/health").headers["X-Stamp"] == "yes"

    def test_plugin_error_mapping_applies(self, plugged: Api) -> None:
        """A plugin's exception answers with its mapped status as a problem."""
        result = plugged.get("/api/reports/fails")
        assert (result.status_code, data(result)["title"]) == (429, "Quota exceeded")

    def test_unexpected_error_is_a_logged_problem(self, plugged: Api) -> None:
        """The catch-all answers a problem body naming the request id, never a traceback."""
        result = plugged.get("/api/reports/crashes", headers={"X-Request-ID": "req-1"})
        assert result.status_code == 500
        assert "req-1" in data(result)["detail"]
        assert "Traceback" not in result.text

    def test_every_hookspec_is_documented_with_an_example(self) -> None:
        """Each HTTP hookspec has a docstring with an example."""
        for name in (
            "finance_http_routes",
            "finance_http_middleware",
            "finance_http_error_mappings",
        ):
            doc = getattr(hookspecs, name).__doc__ or ""
            assert "Example::" in doc, name

    def test_every_hookspec_is_exercised_here(self) -> None:
        """The plugin above implements every HTTP hook, so each one has a test."""
        specs = {n for n in dir(hookspecs) if n.startswith("finance_http_")}
        assert specs == {n for n in dir(_Plugin) if n.startswith("finance_http_")}
