"""Fault tests drive the real server through the HTTP tests' helpers."""

from __future__ import annotations

import sys
from pathlib import Path

_HTTP_TESTS = str(Path(__file__).resolve().parent.parent / "http")
if _HTTP_TESTS not in sys.path:
    sys.path.insert(0, _HTTP_TESTS)
