"""Opening the JSON store: URLs, the plugin record, and the directory made on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from json_support import open_ledger, url_for

from finance_core.errors import ConfigurationError, StorageError
from finance_core.plugins import make_plugin_manager
from finance_core.tenancy import Principal, Role
from finance_storage_json import plugin
from finance_storage_json.storage import JsonStorage
from finance_storage_json.url import directory_from_url


class TestUrls:
    def test_three_slashes_name_a_relative_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """json:///data/books is data/books under the working directory."""
        monkeypatch.chdir(tmp_path)
        assert directory_from_url("json:///data/books") == tmp_path / "data" / "books"

    def test_four_slashes_name_an_absolute_directory(self) -> None:
        """json:////srv/books is /srv/books."""
        assert directory_from_url("json:////srv/books") == Path("/srv/books")

    def test_a_relative_directory_is_fixed_when_opened(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Changing directory after opening does not move the store."""
        monkeypatch.chdir(tmp_path)
        storage = JsonStorage("json:///books")
        monkeypatch.chdir("/")
        assert storage.root == tmp_path / "books"

    @pytest.mark.parametrize(
        ("url", "complaint"),
        [
            ("json://server/books", "names a host ('server')"),
            ("json:///", "names no directory"),
            ("json:////", "names no directory"),
            ("json:///books?fsync=off", "take no query"),
            ("sqlite:///books", "is not a json:// URL"),
        ],
    )
    def test_a_bad_url_says_how_to_write_one(self, url: str, complaint: str) -> None:
        """Every refusal names the problem and shows both URL forms."""
        with pytest.raises(ConfigurationError) as error:
            directory_from_url(url)
        assert complaint in str(error.value)
        assert "json:///relative/dir or json:////absolute/dir" in str(error.value)


class TestPlugin:
    def test_the_backend_is_registered_through_the_entry_point(self, tmp_path: Path) -> None:
        """The installed plugin manager opens json:// URLs with JsonStorage."""
        plugins = make_plugin_manager(environ={})
        backend = plugins.storage_backends["json"]
        assert backend.schemes == ("json",)
        assert isinstance(plugins.open_storage(url_for(tmp_path)), JsonStorage)

    def test_the_contract_runs_on_an_absolute_four_slash_url(self, tmp_path: Path) -> None:
        """contract_urls puts the store inside the given temporary directory."""
        (backend,) = plugin.finance_storage_backends()
        assert backend.contract_urls is not None
        (url,) = backend.contract_urls(tmp_path)
        assert url == f"json:///{tmp_path}/store"
        assert url.startswith("json:////")
        assert directory_from_url(url) == tmp_path / "store"

    def test_listing_backends_does_not_load_the_storage_code(self) -> None:
        """cattrs and the file machinery are imported only when a store is opened."""
        probe = (
            "import sys; from finance_storage_json import plugin; "
            "plugin.finance_storage_backends(); "
            "print(sorted(m for m in ('cattrs', 'finance_storage_json.storage') "
            "if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"


class TestDirectory:
    def test_reading_an_unknown_tenant_creates_nothing(self, tmp_path: Path) -> None:
        """A read of a tenant that does not exist leaves the disk untouched."""
        root = tmp_path / "store"
        ledger = open_ledger(url_for(root))
        assert ledger.list_accounts(Principal("nobody", "ghost", Role.VIEWER)) == []
        assert not root.exists()

    def test_the_first_write_creates_the_directory(self, tmp_path: Path) -> None:
        """Directories are made on first use, nested ones included."""
        root = tmp_path / "deep" / "er" / "store"
        open_ledger(url_for(root)).create_tenant("home", "Home", owner="alice")
        assert (root / "tenants" / "home").is_dir()
        assert (root / "directory.jsonl").is_file()

    def test_awkward_tenant_ids_get_safe_distinct_directories(self, tmp_path: Path) -> None:
        """Ids with slashes, dots or capitals map to distinct names inside tenants/."""
        ledger = open_ledger(url_for(tmp_path))
        awkward = ["../escape", "Home", "home", "a/b", "..", "x" * 255, "ünï cødé"]
        for tenant in awkward:
            ledger.create_tenant(tenant, "Awkward", owner=f"{tenant[:200]}-owner")
        names = {p.name for p in (tmp_path / "tenants").iterdir()}
        assert len(names) == len(awkward)
        assert all(len(name) <= 100 and "/" not in name for name in names)
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "directory.jsonl",
            "directory.lock",
            "tenants",
        ]
        fresh = open_ledger(url_for(tmp_path))
        for tenant in awkward:
            owner = Principal(f"{tenant[:200]}-owner", tenant, Role.OWNER)
            assert fresh.get_tenant(owner).id == tenant

    def test_check_reports_a_directory_that_cannot_exist(self, tmp_path: Path) -> None:
        """A health check on a path under a plain file is a StorageError naming the path."""
        blocker = tmp_path / "file"
        blocker.write_text("not a directory")
        storage = JsonStorage(url_for(blocker / "store"))
        with pytest.raises(StorageError) as error:
            storage.check()
        assert str(blocker) in str(error.value)

    def test_check_passes_on_a_usable_directory(self, tmp_path: Path) -> None:
        """A health check makes the directory if needed and reads the user directory."""
        JsonStorage(url_for(tmp_path / "store")).check()
        assert (tmp_path / "store").is_dir()
