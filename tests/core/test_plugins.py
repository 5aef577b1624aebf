"""The plugin manager: discovery, isolation of broken plugins, and the typed facade."""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pluggy
import pytest

from finance_core.errors import ConfigurationError
from finance_core.events import Event, EventKind
from finance_core.memory import MemoryStorage
from finance_core.plugins import StorageBackend, hookimpl, make_plugin_manager
from finance_core.plugins import hookspecs as core_hookspecs
from finance_core.plugins.manager import url_scheme
from finance_core.rules import NoFutureDatedRule


def _fake_distribution(
    root: Path, name: str, entry_points: dict[str, str], modules: dict[str, str]
) -> None:
    """Lay out an installed-looking distribution: a dist-info folder and its modules."""
    dist = root / f"{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (dist / "entry_points.txt").write_text(f"[finance_planner]\n{lines}\n")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    """A directory on sys.path that acts as site-packages for fake distributions."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("fake_fp_")]:
        del sys.modules[name]


GOOD_PLUGIN = """
from finance_core.memory import MemoryStorage
from finance_core.plugins import StorageBackend, hookimpl

@hookimpl
def finance_storage_backends():
    return [StorageBackend("fake", ("fake",), lambda url: MemoryStorage(url))]
"""


class TestDiscovery:
    def test_entry_point_plugins_are_found_without_installing(self, site: Path) -> None:
        """A distribution's entry point in the finance_planner group is loaded."""
        _fake_distribution(
            site, "fake-fp-good", {"fake": "fake_fp_good"}, {"fake_fp_good": GOOD_PLUGIN}
        )
        plugins = make_plugin_manager()
        assert "fake" in plugins.storage_backends
        assert plugins.open_storage("fake://x").url == "fake://x"

    def test_builtin_memory_backend_registers_like_any_plugin(self) -> None:
        """memory:// comes from the project's own entry point."""
        assert make_plugin_manager().backend_for_url("memory://").name == "memory"

    def test_a_plugin_that_fails_to_import_is_logged_and_skipped(
        self, site: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One broken plugin does not take the others down."""
        _fake_distribution(
            site,
            "fake-fp-broken",
            {"broken": "fake_fp_broken"},
            {"fake_fp_broken": "raise ImportError('no dep')"},
        )
        with caplog.at_level(logging.WARNING):
            plugins = make_plugin_manager()
        assert "memory" in plugins.storage_backends
        assert "broken" in caplog.text and "no dep" in caplog.text

    def test_disabled_plugins_are_not_loaded(self, site: Path) -> None:
        """FINANCE_PLANNER_DISABLE_PLUGINS names entry points to leave out."""
        _fake_distribution(
            site, "fake-fp-good", {"fake": "fake_fp_good"}, {"fake_fp_good": GOOD_PLUGIN}
        )
        plugins = make_plugin_manager(environ={"FINANCE_PLANNER_DISABLE_PLUGINS": "fake, other"})
        assert "fake" not in plugins.storage_backends

    def test_each_manager_is_independent(self) -> None:
        """The manager is built by a function; there is no shared global."""
        assert make_plugin_manager().pm is not make_plugin_manager().pm


class _TwoMemories:
    @hookimpl
    def finance_storage_backends(self) -> Sequence[StorageBackend]:
        return [StorageBackend("memory", ("mem2",), MemoryStorage)]


class _SchemeThief:
    @hookimpl
    def finance_storage_backends(self) -> Sequence[StorageBackend]:
        return [StorageBackend("thief", ("memory",), MemoryStorage)]


class TestStorageBackends:
    def test_two_backends_with_one_name_are_rejected(self) -> None:
        """A name clash is a configuration error that names the name."""
        plugins = make_plugin_manager([_TwoMemories()])
        with pytest.raises(ConfigurationError, match="'memory'"):
            _ = plugins.storage_backends

    def test_two_backends_with_one_scheme_are_rejected(self) -> None:
        """A scheme clash names both backends."""
        plugins = make_plugin_manager([_SchemeThief()])
        with pytest.raises(ConfigurationError, match="thief"):
            _ = plugins.storage_backends

    def test_unknown_scheme_lists_the_installed_ones(self) -> None:
        """Asking for redis:// says which schemes exist."""
        with pytest.raises(ConfigurationError, match=r"installed schemes: .*memory"):
            make_plugin_manager().backend_for_url("redis://localhost")

    @pytest.mark.parametrize(
        ("url", "scheme"),
        [
            ("postgresql+psycopg://h/db", "postgresql"),
            ("sqlite:///x.db", "sqlite"),
            ("JSON:///d", "json"),
        ],
    )
    def test_scheme_ignores_driver_suffix(self, url: str, scheme: str) -> None:
        """The driver part of a URL does not pick the backend."""
        assert url_scheme(url) == scheme

    def test_url_without_scheme_is_explained(self) -> None:
        """A bare path is not a URL; the error shows the right form."""
        with pytest.raises(ConfigurationError, match="scheme://"):
            url_scheme("finance.db")


class _Rules:
    @hookimpl
    def finance_balance_rules(self) -> Sequence[object]:
        return [NoFutureDatedRule()]


class _Listener:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Sequence[Event]]] = []

    @hookimpl
    def finance_after_commit(self, tenant_id: str, events: Sequence[Event]) -> None:
        self.seen.append((tenant_id, events))


class _Exploding:
    @hookimpl
    def finance_after_commit(self, tenant_id: str, events: Sequence[Event]) -> None:
        raise RuntimeError("listener bug")


class TestOtherHooks:
    def test_plugin_rules_follow_the_builtin_ones(self) -> None:
        """Contributed rules are added after min_balance."""
        names = [r.name for r in make_plugin_manager([_Rules()]).balance_rules()]
        assert names[-1] == "no_future_dates" and "min_balance" in names

    def test_listeners_hear_committed_events(self) -> None:
        """After-commit hooks receive the tenant and its events."""
        listener = _Listener()
        from finance_core.bootstrap import open_ledger

        ledger = open_ledger(plugins=make_plugin_manager([listener]))
        owner = ledger.create_tenant("t1", "T", owner="u")
        account = ledger.open_account(owner, "A", "checking")
        assert listener.seen == [("t1", (Event(EventKind.ACCOUNT_OPENED, "t1", account.id),))]

    def test_a_failing_listener_does_not_undo_the_write(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The write stays; the failure is logged."""
        from finance_core.bootstrap import open_ledger

        ledger = open_ledger(plugins=make_plugin_manager([_Exploding()]))
        owner = ledger.create_tenant("t1", "T", owner="u")
        ledger.open_account(owner, "A", "checking")
        assert len(ledger.list_accounts(owner)) == 1
        assert "listener bug" in caplog.text

    def test_misspelt_hook_implementation_fails_loudly(self) -> None:
        """An implementation of a hook nobody specified is an error, not silence."""

        class Typo:
            @hookimpl
            def finance_storage_backend(self) -> list[object]:
                return []

        with pytest.raises(pluggy.PluginValidationError):
            make_plugin_manager([Typo()])


class _ExtraSpecs:
    @core_hookspecs.hookspec
    def finance_test_greeting(self) -> str:  # type: ignore[empty-body]
        """A hook that an adapter adds."""


class _AddsSpecs:
    @hookimpl
    def finance_hookspecs(self) -> Sequence[object]:
        return [_ExtraSpecs]


class _ImplementsExtra:
    @hookimpl
    def finance_test_greeting(self) -> str:
        return "hello"


class TestAdapterHooks:
    def test_adapters_add_their_own_hook_specs(self) -> None:
        """A plugin contributes a hook namespace; others implement it."""
        plugins = make_plugin_manager([_AddsSpecs(), _ImplementsExtra()])
        assert plugins.pm.hook.finance_test_greeting() == ["hello"]

    def test_implementing_an_unspecified_adapter_hook_still_fails(self) -> None:
        """Without the spec, the implementation is pending and rejected."""
        with pytest.raises(pluggy.PluginValidationError):
            make_plugin_manager([_ImplementsExtra()])


class TestHookDocumentation:
    HOOKS = [
        name
        for name in dir(core_hookspecs)
        if name.startswith("finance_") and callable(getattr(core_hookspecs, name))
    ]

    @pytest.mark.parametrize("name", HOOKS)
    def test_every_hook_has_a_docstring_with_an_example(self, name: str) -> None:
        """Hook specs are documentation first."""
        doc = getattr(core_hookspecs, name).__doc__ or ""
        assert "Example::" in doc and "@hookimpl" in doc

    @pytest.mark.parametrize("name", HOOKS)
    def test_every_hook_is_exercised_by_a_test(self, name: str) -> None:
        """Each hook name appears in at least one test module besides this check."""
        tests = Path(__file__).parent.parent
        sources = (
            "".join(p.read_text() for p in tests.rglob("test_*.py") if p.name != "test_plugins.py")
            + Path(__file__).read_text().split("class TestHookDocumentation")[0]
        )
        assert f"def {name}" in sources
