"""HTTP routes for imports, exports and reports, added through the HTTP adapter's hook.

One module per concept: ``params`` reads options, ``upload`` reads a bank file
from a request, ``wire`` holds the JSON shapes, ``schemas`` documents them, and
``imports``, ``export`` and ``reports`` are the resources; ``routes`` is the
route table the hook returns.
"""

from __future__ import annotations

from finance_import.http.routes import routes

__all__ = ["routes"]
