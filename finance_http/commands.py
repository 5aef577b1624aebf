"""``finance-planner serve``, ``token`` and ``check-config``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import attrs

from finance_core.bootstrap import utc_now
from finance_core.cli import CliCommand, plugins_of
from finance_core.errors import ConfigurationError, StorageError
from finance_core.plugins.manager import FinancePlugins
from finance_core.tenancy import Role
from finance_http.settings import ENV_FILE, Settings, generate_secret, load_settings
from finance_http.tokens import issue_token

DEV_SUB: Final = "developer"
DEV_TENANT: Final = "1"
DEV_MINUTES: Final = 60


def _env_file() -> Path:
    return Path.cwd() / ENV_FILE


def _settings() -> Settings:
    return load_settings(os.environ, _env_file())


def default_workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


# -- serve ------------------------------------------------------------------------
def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"worker processes (default {default_workers()}: twice the cores, 2 to 8)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (default 1: sync workers)"
    )


def _announce_generated_secret(settings: Settings, env_file: Path, host: str, port: int) -> None:
    token = issue_token(
        settings.require_secret(),
        sub=DEV_SUB,
        tenant_id=DEV_TENANT,
        role=Role.OWNER,
        now=utc_now(),
        minutes=DEV_MINUTES,
    )
    bar = "=" * 72
    print(
        f"{bar}\n"
        f"WARNING: SECRET_KEY was not set. A development secret was generated and\n"
        f"written to {env_file}. Tokens signed by MCP_Auth will NOT be accepted until\n"
        f"SECRET_KEY is set to the secret MCP_Auth uses.\n\n"
        f"Development token (owner of tenant {DEV_TENANT}, valid {DEV_MINUTES} minutes):\n\n"
        f"{token}\n\n"
        f"Try it:\n"
        f"  curl -H 'Authorization: Bearer {token}' http://{host}:{port}/api/accounts\n\n"
        f"More tokens: finance-planner token --sub USER --tenant TENANT --role ROLE\n"
        f"{bar}",
        file=sys.stderr,
        flush=True,
    )


def _check_storage(settings: Settings, plugins: FinancePlugins) -> None:
    """Refuse to start while the storage is unreachable: one line, exit status 1.

    Checked once here, before any worker starts, so that a wrong URL or a
    database that is down is reported once and plainly (a supervisor restarts
    the command); a running server rides out outages on its own.
    """
    try:
        storage = plugins.open_storage(settings.database_url)
        try:
            storage.check()
        finally:
            storage.close()
    except StorageError as exc:
        raise StorageError(f"cannot start, the storage is not available: {exc}") from None


def run_serve(args: argparse.Namespace) -> int:
    env_file = _env_file()
    settings = _settings()
    plugins = plugins_of(args)
    _check_storage(settings, plugins)
    if settings.secret_key is None:
        settings = attrs.evolve(settings, secret_key=generate_secret(env_file))
        _announce_generated_secret(settings, env_file, args.host, args.port)
    workers = args.workers or default_workers()
    if settings.database_url.startswith("memory:") and workers > 1:
        print(
            "finance-planner serve: memory:// lives inside one process, so it runs with one "
            "worker (use sqlite:///finance.db or PostgreSQL for more)",
            file=sys.stderr,
        )
        workers = 1
    if workers < 1 or args.threads < 1:
        raise ConfigurationError("--workers and --threads must be at least 1")
    print(
        f"finance-planner: serving {settings.described()['DATABASE_URL']} on "
        f"http://{args.host}:{args.port} with {workers} workers; docs at /docs",
        file=sys.stderr,
        flush=True,
    )
    from finance_http.server import serve

    serve(
        settings,
        host=args.host,
        port=args.port,
        workers=workers,
        threads=args.threads,
        plugins=plugins,
    )
    return 0


# -- token ------------------------------------------------------------------------
def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sub", required=True, help="the user id (the token's sub)")
    parser.add_argument("--tenant", required=True, help="the tenant id (the token's tenant_id)")
    parser.add_argument(
        "--role", default="OWNER", help="OWNER, ADMIN, MEMBER or VIEWER (default OWNER)"
    )
    parser.add_argument("--minutes", type=int, default=DEV_MINUTES, help="lifetime (default 60)")
    parser.add_argument("--email", default=None, help="the email claim (default SUB@example.com)")


def run_token(args: argparse.Namespace) -> int:
    settings = _settings()
    role = Role.parse(args.role)
    if args.minutes < 1:
        raise ConfigurationError("--minutes must be at least 1")
    print(
        issue_token(
            settings.require_secret(),
            sub=args.sub,
            tenant_id=args.tenant,
            role=role,
            now=utc_now(),
            minutes=args.minutes,
            email=args.email,
            algorithm=settings.jwt_algorithms[0],
        )
    )
    return 0


# -- check-config -------------------------------------------------------------------
def run_check_config(args: argparse.Namespace) -> int:
    try:
        settings = _settings()
    except ConfigurationError as exc:
        print(f"finance-planner check-config: {exc}", file=sys.stderr)
        return 1
    width = max(len(k) for k in settings.described())
    for key, value in settings.described().items():
        print(f"{key.ljust(width)}  {value}")
    problems = []

    try:
        plugins_of(args).backend_for_url(settings.database_url)
    except ConfigurationError as exc:
        problems.append(f"DATABASE_URL: {exc}")
    if settings.secret_key is None:
        print(
            "\nnote: SECRET_KEY is not set; 'serve' will generate a development secret in .env",
            file=sys.stderr,
        )
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


def commands() -> Sequence[CliCommand]:
    return [
        CliCommand("serve", "run the REST API under gunicorn", _serve_arguments, run_serve),
        CliCommand("token", "print a development access token", _token_arguments, run_token),
        CliCommand(
            "check-config",
            "show the effective settings and any problem",
            lambda parser: None,
            run_check_config,
        ),
    ]
