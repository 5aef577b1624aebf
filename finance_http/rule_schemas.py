"""JSON Schemas of the rule shapes, built from the ledger's rule vocabulary so that
plugin condition ops and action kinds are documented like the built-in ones."""

from __future__ import annotations

from typing import Any, Final

from finance_core.categorize.engine import Vocabulary
from finance_core.categorize.model import (
    CONDITION_FIELDS,
    MAX_ACTIONS,
    MAX_DEPTH,
    MAX_NAME,
    STAGES,
)
from finance_http.schemas import DATE, ID, MONEY_IN, TIMESTAMP, Schema, nullable, ref

_FILTER_FIELDS: Final[Schema] = {
    "account_id": ID,
    "start_date": DATE,
    "end_date": DATE,
    **{
        name: {"type": "string", "maxLength": 255}
        for name in ("category", "merchant", "der_category", "der_merchant", "q")
    },
    "tags": {
        "anyOf": [
            {"type": "string", "maxLength": 255},
            {"type": "array", "items": {"type": "string"}},
        ]
    },
    "min_amount": MONEY_IN,
    "max_amount": MONEY_IN,
}
_FILTERS: Final[Schema] = {
    "type": ["object", "null"],
    "description": "The transaction list's filters, by the same names; null means not given.",
    "properties": {name: nullable(schema) for name, schema in _FILTER_FIELDS.items()},
    "additionalProperties": False,
}


def _condition(vocabulary: Vocabulary) -> Schema:
    ops = "; ".join(
        f"`{op.name}` ({', '.join(sorted(op.fields))}): {op.description}"
        for op in vocabulary.ops.values()
    )
    leaf = {
        "type": "object",
        "description": f"A test of one field. Ops: {ops}",
        "properties": {
            "field": {"type": "string", "enum": list(CONDITION_FIELDS)},
            "op": {"type": "string", "enum": list(vocabulary.ops)},
            "value": {"description": "What the op compares with; its form depends on the op."},
            "case_sensitive": {"type": "boolean", "default": False},
        },
        "required": ["field", "op", "value"],
        "additionalProperties": False,
    }
    nodes = [
        {
            "type": "object",
            "properties": {key: {"type": "array", "items": ref("RuleCondition")}},
            "required": [key],
            "additionalProperties": False,
        }
        for key in ("all", "any")
    ]
    negation = {
        "type": "object",
        "properties": {"not": ref("RuleCondition")},
        "required": ["not"],
        "additionalProperties": False,
    }
    return {
        "description": (
            f"A leaf, or all/any/not nodes nested at most {MAX_DEPTH} levels; "
            '{"all": []} matches every transaction.'
        ),
        "anyOf": [leaf, *nodes, negation],
    }


def _action(vocabulary: Vocabulary) -> Schema:
    kinds = []
    for kind in vocabulary.actions_by_name.values():
        schema = dict(kind.schema) or {"type": "object", "required": [kind.name]}
        schema.setdefault("description", kind.description)
        kinds.append(schema)
    return {"description": "One action; they run in order.", "anyOf": kinds}


_CHANGE: Final[Schema] = {
    "type": "object",
    "properties": {
        "transaction_id": ID,
        "rule_id": {"type": ["integer", "null"], "description": "Null for a previewed rule."},
        "field": {"type": "string"},
        "before": {"description": "Text, null, or a list of tags."},
        "after": {"description": "Text, null, or a list of tags."},
    },
    "required": ["transaction_id", "rule_id", "field", "before", "after"],
}


def rule_components(vocabulary: Vocabulary) -> dict[str, Schema]:
    """Every component the rule routes refer to."""
    body = {
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": r"\S"},
        "enabled": {"type": "boolean", "default": True},
        "stage": {"type": "string", "enum": list(STAGES), "default": "default"},
        "position": {"type": ["integer", "null"], "minimum": 1, "description": "1..n."},
        "stop": {"type": "boolean", "default": False},
        "conditions": ref("RuleCondition"),
        "actions": {
            "type": "array", "minItems": 1, "maxItems": MAX_ACTIONS, "items": ref("RuleAction"),
        },
    }  # fmt: skip
    out: dict[str, Any] = {k: v for k, v in body.items() if k not in ("position",)}
    out_props = {
        "id": ID,
        **out,
        "position": {"type": "integer", "minimum": 1},
        "conditions": {
            "description": "The condition tree, canonical (leaves state case_sensitive)."
        },
        "actions": {"type": "array", "items": {"type": "object"}},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    }
    strict = {"additionalProperties": False}
    return {
        "RuleCondition": _condition(vocabulary),
        "RuleAction": _action(vocabulary),
        "Rule": {"type": "object", "properties": out_props, "required": list(out_props)},
        "RuleList": {
            "type": "object",
            "properties": {
                "rules": {"type": "array", "items": ref("Rule")},
                "total": {"type": "integer", "minimum": 0},
            },
            "required": ["rules", "total"],
        },
        "RuleCreate": {
            "type": "object", "properties": body,
            "required": ["name", "conditions", "actions"], **strict,
        },
        "RulePatch": {"type": "object", "properties": body, **strict},
        "RuleApply": {
            "type": "object",
            "properties": {
                "rule_ids": {
                    "type": ["array", "null"], "minItems": 1, "maxItems": 1000, "items": ID,
                    "description": "Run only these rules (enabled or not); all enabled ones "
                    "when left out.",
                },
                "filters": _FILTERS,
                "dry_run": {"type": "boolean"},
                "override": {"type": "boolean", "default": False},
            },
            "required": ["dry_run"], **strict,
        },
        "RulePreview": {
            "type": "object",
            "properties": {
                **{k: body[k] for k in ("name", "stage", "stop", "conditions", "actions")},
                "filters": _FILTERS,
                "override": {"type": "boolean", "default": False},
            },
            "required": ["conditions", "actions"], **strict,
        },
        "RuleChange": _CHANGE,
        "RuleApplyResult": {
            "type": "object",
            "properties": {
                "changed": {"type": "integer", "minimum": 0, "description": "Field changes."},
                "transactions": {"type": "integer", "minimum": 0},
                "dry_run": {"type": "boolean"},
                "changes": {"type": "array", "items": ref("RuleChange")},
            },
            "required": ["changed", "transactions", "dry_run", "changes"],
        },
        "RulePreviewResult": {
            "type": "object",
            "properties": {
                "matched": {"type": "integer", "minimum": 0},
                "changed": {"type": "integer", "minimum": 0},
                "transactions": {"type": "integer", "minimum": 0},
                "changes": {"type": "array", "items": ref("RuleChange")},
            },
            "required": ["matched", "changed", "transactions", "changes"],
        },
        "RuleSuggestions": {
            "type": "object",
            "properties": {
                "suggestions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "rule": {"type": "object", "description": "A body ready to POST."},
                            "matches": {"type": "integer", "minimum": 0},
                            "changes": {"type": "integer", "minimum": 0},
                        },
                        "required": ["rule", "matches", "changes"],
                    },
                }
            },
            "required": ["suggestions"],
        },
    }  # fmt: skip
