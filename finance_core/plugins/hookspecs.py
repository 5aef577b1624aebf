"""Hook specifications of the core. Every hook name starts with ``finance_``.

A plugin is any module or object with functions marked ``@hookimpl``; it is
found through the ``finance_planner`` entry-point group (the built-in backends
register exactly this way) or passed to ``make_plugin_manager(plugins=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pluggy

from finance_core.categorize.actions import ActionKind
from finance_core.categorize.ops import ConditionOp
from finance_core.events import Event
from finance_core.importing import Importer
from finance_core.plugins.records import StorageBackend
from finance_core.rules import BalanceRule

PROJECT_NAME = "finance_planner"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def finance_storage_backends() -> Sequence[StorageBackend]:
    """Contribute storage backends.

    Called once when the manager is built; every plugin's results are
    collected. Two backends claiming one name or one URL scheme is an error.

    Example::

        from finance_core.plugins import StorageBackend, hookimpl

        @hookimpl
        def finance_storage_backends():
            def open_redis(url):
                from my_backend import RedisStorage  # heavy import inside the factory
                return RedisStorage(url)
            return [StorageBackend("redis", ("redis",), open_redis)]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_balance_rules() -> Sequence[BalanceRule]:
    """Contribute balance rules, checked on every balance-changing write.

    All results are collected and run after the built-in rules; the first rule
    that returns a reason rejects the write.

    Example::

        from finance_core.plugins import hookimpl
        from finance_core.rules import NoFutureDatedRule

        @hookimpl
        def finance_balance_rules():
            return [NoFutureDatedRule()]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_after_commit(tenant_id: str, events: Sequence[Event]) -> None:
    """Be told what a unit of work changed, after it committed.

    Called once per committed write with every event of it, in order. Return
    values are ignored; an exception is logged and does not undo the write.

    Example::

        @hookimpl
        def finance_after_commit(tenant_id, events):
            for event in events:
                print(tenant_id, event.kind.value, event.entity_id)
    """


@hookspec
def finance_hookspecs() -> Sequence[Any]:
    """Contribute more hook specification namespaces (modules or classes).

    Adapters use this to add their own hooks (HTTP routes, importers). Called
    once while the manager is built, before pending implementations are checked.

    Example::

        from my_adapter import hookspecs

        @hookimpl
        def finance_hookspecs():
            return [hookspecs]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_cli_commands() -> Sequence[Any]:
    """Contribute sub-commands of the ``finance-planner`` console script.

    Return ``finance_core.cli.CliCommand`` records. Called once when the
    command line is parsed; two commands with one name is an error.

    Example::

        from finance_core.cli import CliCommand

        def add_args(parser):
            parser.add_argument("--tenant", required=True)

        def run(args):
            print("hello", args.tenant)
            return 0

        @hookimpl
        def finance_cli_commands():
            return [CliCommand("hello", "say hello", add_args, run)]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_importers() -> Sequence[Importer]:
    """Contribute bank-file formats (``finance_core.importing.Importer`` records).

    Called when importers are listed; every plugin's results are collected and
    two importers with one name is an error. ``parse(data, options)`` turns the
    file's bytes into a ``ParsedFile``; ``sniff(data)`` says whether the bytes
    look like this format, so callers may leave the format out.

    Example::

        from finance_core.importing import Importer, ParsedFile, ParsedRow

        def parse_mybank(data, options):
            rows = []
            for n, line in enumerate(data.decode().splitlines(), 1):
                day, amount, text = line.split("|")
                rows.append(ParsedRow(n, date.fromisoformat(day), Decimal(amount), text))
            return ParsedFile("mybank", tuple(rows))

        @hookimpl
        def finance_importers():
            return [Importer("mybank", (".mb",), parse_mybank)]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_rule_condition_ops() -> Sequence[ConditionOp]:
    """Contribute condition operators for categorization rules.

    Called once when a ledger is opened; every plugin's results are collected
    and a name that is already taken (built-in or another plugin's) is an error.
    ``build(field, value, case_sensitive)`` runs when a rule is saved or its set
    compiled, never per transaction: it returns the value to store and a test of
    the field's value, and raises ``ValueError`` with a message for a bad value.
    The API document lists the op with its fields and description.

    Example::

        from finance_core.categorize.ops import ConditionOp

        def build_round(field, value, case_sensitive):
            return value, lambda amount: amount == amount.to_integral_value()

        @hookimpl
        def finance_rule_condition_ops():
            return [ConditionOp("is_round", frozenset({"amount"}), build_round, "Whole amount.")]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_rule_actions() -> Sequence[ActionKind]:
    """Contribute rule action kinds, named by the key that marks them.

    Called once when a ledger is opened; every plugin's results are collected
    and a taken name is an error. ``build(action)`` validates the action object
    and returns it canonical with a function proposing field values for a
    transaction; rules may only change category, merchant, der_category,
    der_merchant, description, location and tags, and proposed values are held
    to the same limits as a person's.

    Example::

        from finance_core.categorize.actions import ActionKind

        def build_upper(action):
            return dict(action), lambda txn: {"merchant": (txn.merchant or "").upper() or None}

        @hookimpl
        def finance_rule_actions():
            return [ActionKind("upper_merchant", build_upper, "Shout the merchant.")]
    """
    raise AssertionError("hookspec")
