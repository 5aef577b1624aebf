"""Where each tenant's files live under the store's directory.

Tenant ids are arbitrary strings up to 255 characters, so a directory name is
the id itself only when that is safe on every common filesystem (lower-case
ASCII letters, digits, '-' and '_'; no case folding surprises, no '..').
Anything else becomes a readable slug plus a hash of the exact id; the '.' in
that form cannot occur in the plain form, so the two never collide.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Final

_PLAIN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_UNSAFE: Final = re.compile(r"[^a-z0-9_-]+")


def tenant_directory(root: Path, tenant_id: str) -> Path:
    return root / "tenants" / tenant_directory_name(tenant_id)


def tenant_directory_name(tenant_id: str) -> str:
    if _PLAIN.fullmatch(tenant_id):
        return tenant_id
    slug = _UNSAFE.sub("-", tenant_id.lower()).strip("-")[:40] or "tenant"
    digest = hashlib.sha256(tenant_id.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f"{slug}.{digest}"
