"""``json://`` URLs: where the store's directory is.

The slashes follow SQLAlchemy's SQLite URLs: ``json:///data/finance`` is the
directory ``data/finance`` relative to the working directory, and
``json:////srv/finance`` (four slashes) is the absolute ``/srv/finance``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from finance_core.errors import ConfigurationError

SCHEME: Final = "json"
_PREFIX: Final = f"{SCHEME}://"
_EXAMPLES: Final = "write json:///relative/dir or json:////absolute/dir"


def directory_from_url(url: str) -> Path:
    """The store's directory for ``url``, made absolute now so a later chdir cannot move it."""
    if not url.startswith(_PREFIX):
        raise ConfigurationError(f"{url!r} is not a json:// URL; {_EXAMPLES}")
    rest = url[len(_PREFIX) :]
    if not rest.startswith("/"):
        host = rest.split("/", 1)[0]
        raise ConfigurationError(
            f"{url!r} names a host ({host!r}) but the json store is a local directory; {_EXAMPLES}"
        )
    if "?" in rest or "#" in rest:
        raise ConfigurationError(f"{url!r}: json:// URLs take no query or fragment; {_EXAMPLES}")
    # One slash ends the empty host; what follows is the path, absolute when it starts with '/'.
    path = rest[1:]
    if not path.strip("/"):
        raise ConfigurationError(f"{url!r} names no directory; {_EXAMPLES}")
    return Path(path).absolute()
