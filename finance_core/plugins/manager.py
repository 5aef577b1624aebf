"""Building the plugin manager, and the typed facade the rest of the code uses."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from importlib.metadata import entry_points
from typing import Any, Final, Protocol, TypeVar

import pluggy

from finance_core.categorize.actions import ActionKind
from finance_core.categorize.ops import ConditionOp
from finance_core.errors import ConfigurationError, ValidationError
from finance_core.events import Event
from finance_core.importing import Importer
from finance_core.plugins import hookspecs
from finance_core.plugins.records import StorageBackend
from finance_core.ports import Storage
from finance_core.rules import BUILTIN_RULES, BalanceRule

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP: Final = "finance_planner"
#: Comma-separated entry-point names that are not loaded.
DISABLE_ENV: Final = "FINANCE_PLANNER_DISABLE_PLUGINS"


def url_scheme(url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql``; ``sqlite:///x`` -> ``sqlite``."""
    scheme, sep, _ = url.partition(":")
    if not sep or not scheme:
        raise ConfigurationError(
            f"{url!r} is not a storage URL; write it as scheme://..., e.g. sqlite:///finance.db"
        )
    return scheme.split("+", 1)[0].lower()


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def unique_by_name(batches: Iterable[Iterable[N]], what: str) -> dict[str, N]:
    """Flatten one hook's results into a dict by name; a name claimed twice is an error."""
    found: dict[str, N] = {}
    for batch in batches:
        for item in batch:
            if item.name in found:
                raise ConfigurationError(
                    f"two plugins register a {what} named {item.name!r}; "
                    f"disable one with {DISABLE_ENV}"
                )
            found[item.name] = item
    return found


class FinancePlugins:
    """Typed access to the hooks; nothing else calls ``pm.hook`` directly."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    @cached_property
    def storage_backends(self) -> Mapping[str, StorageBackend]:
        """Every backend by name; two plugins claiming one name or scheme is an error."""
        by_name = unique_by_name(self.pm.hook.finance_storage_backends(), "storage backend")
        by_scheme: dict[str, str] = {}
        for backend in by_name.values():
            for scheme in backend.schemes:
                if scheme in by_scheme:
                    raise ConfigurationError(
                        f"backends {by_scheme[scheme]!r} and {backend.name!r} both claim "
                        f"the URL scheme {scheme!r}; disable one with {DISABLE_ENV}"
                    )
                by_scheme[scheme] = backend.name
        return by_name

    def backend_for_url(self, url: str) -> StorageBackend:
        scheme = url_scheme(url)
        for backend in self.storage_backends.values():
            if scheme in backend.schemes:
                return backend
        known = sorted(s for b in self.storage_backends.values() for s in b.schemes)
        raise ConfigurationError(
            f"no storage backend serves {scheme!r} URLs; installed schemes: {', '.join(known)}"
        )

    def open_storage(self, url: str) -> Storage:
        return self.backend_for_url(url).factory(url)

    @cached_property
    def importers(self) -> Mapping[str, Importer]:
        """Every bank-file format by name; two with one name is an error."""
        return unique_by_name(self.pm.hook.finance_importers(), "importer")

    def importer_for(self, data: bytes, name: str | None = None) -> Importer:
        """The importer called ``name``, or the first whose sniffer recognises ``data``."""
        if name:
            importer = self.importers.get(name.lower())
            if importer is None:
                known = ", ".join(sorted(self.importers))
                raise ValidationError.of(
                    "format", f"no importer for format {name!r}; known formats: {known}"
                )
            return importer
        for importer in sorted(self.importers.values(), key=lambda i: i.sniff_order):
            if importer.sniff is not None and importer.sniff(data):
                return importer
        known = ", ".join(sorted(self.importers))
        raise ValidationError.of(
            "format", f"could not tell the file's format; name it explicitly (one of: {known})"
        )

    def balance_rules(self) -> tuple[BalanceRule, ...]:
        contributed = [rule for batch in self.pm.hook.finance_balance_rules() for rule in batch]
        return (*BUILTIN_RULES, *contributed)

    def rule_condition_ops(self) -> list[ConditionOp]:
        return [op for batch in self.pm.hook.finance_rule_condition_ops() for op in batch]

    def rule_actions(self) -> list[ActionKind]:
        return [kind for batch in self.pm.hook.finance_rule_actions() for kind in batch]

    def notify(self, tenant_id: str, events: Sequence[Event]) -> None:
        """Tell plugins about committed events; a failing listener is logged, not raised."""
        for impl in self.pm.hook.finance_after_commit.get_hookimpls():
            try:
                impl.function(tenant_id=tenant_id, events=events)
            except Exception:
                log.exception("after-commit hook of plugin %r failed", impl.plugin_name)


def _disabled_names(environ: Mapping[str, str]) -> set[str]:
    raw = environ.get(DISABLE_ENV, "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def make_plugin_manager(
    plugins: Iterable[Any] = (),
    *,
    load_entry_points: bool = True,
    environ: Mapping[str, str] | None = None,
) -> FinancePlugins:
    """Build a fresh manager: core hookspecs, given plugins, then installed ones.

    An installed plugin that fails to import is logged and skipped; names in
    ``FINANCE_PLANNER_DISABLE_PLUGINS`` are not loaded at all. Implementations
    of hooks nobody specified fail loudly (``check_pending``).
    """
    environ = os.environ if environ is None else environ
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for plugin in plugins:
        pm.register(plugin)
    if load_entry_points:
        disabled = _disabled_names(environ)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in disabled:
                log.info("plugin %r disabled by %s", ep.name, DISABLE_ENV)
                continue
            if pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                log.warning(
                    "plugin %r (%s) failed to load and is skipped: %s", ep.name, ep.value, exc
                )
                continue
            pm.register(plugin, name=ep.name)
    for batch in pm.hook.finance_hookspecs():
        for namespace in batch:
            pm.add_hookspecs(namespace)
    pm.check_pending()
    return FinancePlugins(pm)
