"""``finance-planner rules list|add FILE|apply``: categorization rules from the command line.

A rules file is JSON or YAML holding one rule body, a list of them, or
``{"rules": [...]}``; numbers in it are read exactly, never through a float.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import yaml

from finance_core.categorize.model import ApplyResult
from finance_core.cli import CliCommand
from finance_core.errors import ValidationError
from finance_core.plugins import hookimpl
from finance_import.cli_support import add_common, open_books


class _ExactLoader(yaml.SafeLoader):
    """YAML whose decimals become ``Decimal``, as amounts must."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def read_rules_file(path: Path) -> list[dict[str, Any]]:
    """The rule bodies in a JSON or YAML file; a bad file is a ``ValidationError``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError.of("file", f"cannot read {path}: {exc}") from None
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(text, parse_float=Decimal)
        else:
            # YAML is a superset of JSON, so any other name is read as YAML.
            document = yaml.load(text, Loader=_ExactLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValidationError.of("file", f"{path} is not valid JSON or YAML: {exc}") from None
    if isinstance(document, dict) and set(document) == {"rules"}:
        document = document["rules"]
    bodies = document if isinstance(document, list) else [document]
    if not bodies or not all(isinstance(body, dict) for body in bodies):
        raise ValidationError.of(
            "file", 'a rules file holds a rule object, a list of them, or {"rules": [...]}'
        )
    return bodies


def _add_list(parser: argparse.ArgumentParser) -> None:
    add_common(parser)


def _run_list(args: argparse.Namespace) -> int:
    ledger, principal = open_books(args)
    for rule in ledger.list_rules(principal):
        state = "on " if rule.enabled else "off"
        stop = " stop" if rule.stop else ""
        print(f"{rule.id:>5}  {rule.stage:<7} {rule.position:>3}  {state}{stop}  {rule.name}")
    return 0


def _add_add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a JSON or YAML rules file")
    add_common(parser)


def _run_add(args: argparse.Namespace) -> int:
    bodies = read_rules_file(args.file)
    ledger, principal = open_books(args)
    created = []
    # One unit of work for the file: every rule is created, or none is.
    with ledger.scope(principal.tenant_id, readonly=False) as scope:
        for index, body in enumerate(bodies):
            try:
                created.append(ledger.create_rule(principal, body))
            except ValidationError as exc:
                prefix = f"rules[{index}]." if len(bodies) > 1 else ""
                raise ValidationError(
                    [attrs.evolve(e, field=prefix + e.field) for e in exc.errors]
                ) from None
        scope.uow.commit()
    for rule in created:
        print(f"created rule {rule.id}: {rule.name} ({rule.stage}, position {rule.position})")
    return 0


def _add_apply(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--dry-run", action="store_true", help="report changes, write nothing")
    parser.add_argument("--override", action="store_true", help="also change fields a person set")
    parser.add_argument(
        "--rule", type=int, action="append", metavar="ID", help="run only this rule (repeatable)"
    )


def _describe(result: ApplyResult) -> str:
    mode = "dry run, nothing written" if result.dry_run else "written"
    return f"{result.changed} changes on {result.transactions} transactions ({mode})"


def _shown(value: object) -> str:
    return repr(list(value) if isinstance(value, tuple) else value)


def _run_apply(args: argparse.Namespace) -> int:
    ledger, principal = open_books(args)
    result = ledger.apply_rules(
        principal, rule_ids=args.rule, dry_run=args.dry_run, override=args.override
    )
    for change in result.changes:
        print(
            f"transaction {change.transaction_id}: {change.field} "
            f"{_shown(change.before)} -> {_shown(change.after)} (rule {change.rule_id})"
        )
    print(_describe(result))
    return 0


def _add_rules(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    for name, help_text, add, run in (
        ("list", "list the rules in run order", _add_list, _run_list),
        ("add", "create the rules of a JSON or YAML file, all or none", _add_add, _run_add),
        ("apply", "run the rules over stored transactions", _add_apply, _run_apply),
    ):
        child = sub.add_parser(name, help=help_text, description=help_text)
        add(child)
        child.set_defaults(_rules_run=run)


def _run_rules(args: argparse.Namespace) -> int:
    code: int = args._rules_run(args)
    return code


@hookimpl
def finance_cli_commands() -> Sequence[CliCommand]:
    return [CliCommand("rules", "list, add and apply categorization rules", _add_rules, _run_rules)]
