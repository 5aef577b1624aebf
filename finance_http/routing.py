"""Route records: one table drives both Falcon's router and the OpenAPI document.

Plugins contribute ``Route`` records through ``finance_http_routes``, so their
routes are documented exactly like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from finance_core.ids import MAX_ID


@attrs.frozen
class Param:
    """A path, query or header parameter."""

    name: str
    schema: Mapping[str, Any]
    description: str
    location: str = "query"
    required: bool = False


@attrs.frozen
class Operation:
    """One method on one path, as the document describes it.

    ``responses`` maps success statuses to (description, component schema name
    or None for no body). Error responses are added from what the operation
    does: authentication, a body, ``conditional`` (ETag / If-Match).
    """

    method: str
    operation_id: str
    summary: str
    responses: Mapping[int, tuple[str, str | None]]
    body: str | None = None
    query: tuple[Param, ...] = ()
    conditional: bool = False
    description: str = ""
    #: Success bodies other than JSON (the docs page, its assets) are plain strings.
    media_types: tuple[str, ...] = ("application/json",)
    #: Request media types: JSON and multipart bodies follow ``body``'s schema, any
    #: other type is documented as raw bytes (resources declaring ``accepts_raw_body``).
    body_media_types: tuple[str, ...] = ("application/json",)
    #: Imports, long reports and the like: limited per tenant, 429 beyond the limit.
    expensive: bool = False


@attrs.frozen
class Route:
    """A path template (OpenAPI style, ``{name}``), its resource and its operations.

    ``suffix`` selects the resource's responders (``on_get_item`` for "item").
    """

    path: str
    resource: object
    operations: tuple[Operation, ...]
    tag: str
    suffix: str | None = None
    path_params: tuple[Param, ...] = ()
    public: bool = False
    #: Extra component schemas the route's operations refer to (for plugins).
    schemas: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)

    def falcon_template(self) -> str:
        """The path with Falcon converters: integer ids only match their documented range."""
        template = self.path
        for param in self.path_params:
            if param.schema.get("type") == "integer":
                high = param.schema.get("maximum", MAX_ID)
                template = template.replace(
                    "{" + param.name + "}", "{" + param.name + f":int(min=1, max={high})" + "}"
                )
        return template
