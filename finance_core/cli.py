"""The ``finance-planner`` console script: sub-commands contributed by plugins."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

import attrs

from finance_core.errors import FinanceError
from finance_core.plugins.manager import FinancePlugins, make_plugin_manager, unique_by_name


@attrs.frozen
class CliCommand:
    """One sub-command: ``add_arguments`` fills its parser, ``run`` returns an exit code."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def build_parser(plugins: FinancePlugins) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finance-planner", description="Finance Planner: accounts, balances, rules, REST API."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = unique_by_name(plugins.pm.hook.finance_cli_commands(), "command")
    for command in commands.values():
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(child)
        child.set_defaults(_run=command.run)
    # Commands reuse the process's one plugin manager instead of building their own.
    parser.set_defaults(_plugins=plugins)
    return parser


def plugins_of(args: argparse.Namespace) -> FinancePlugins:
    """The plugin manager the command line was built with (a new one for a bare namespace)."""
    plugins = getattr(args, "_plugins", None)
    return plugins if isinstance(plugins, FinancePlugins) else make_plugin_manager()


def load_env_file(path: str = ".env") -> None:
    """Make a local ``.env`` visible to every command; real environment variables win."""
    # Imported here: the core package itself depends on the standard library only.
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    load_env_file()
    plugins = make_plugin_manager()
    parser = build_parser(plugins)
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        code: int = run(args)
    except FinanceError as exc:
        print(f"finance-planner {args.command}: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
