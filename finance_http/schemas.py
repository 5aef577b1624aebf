"""JSON Schemas of the wire shapes, for the OpenAPI document's components."""

from __future__ import annotations

from typing import Any, Final

from finance_core.accounts import AccountType
from finance_core.ids import MAX_ID, MAX_USER_ID
from finance_core.money import ISO_4217_CODES
from finance_core.queries import MAX_LIMIT
from finance_core.tenancy import Role
from finance_core.transactions import MAX_TAGS, TEXT_LIMITS

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


ID: Final[Schema] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
USER_ID: Final[Schema] = {"type": "integer", "minimum": 1, "maximum": MAX_USER_ID}
MONEY_IN: Final[Schema] = {
    "type": ["number", "string"],
    "pattern": r"^\s*[-+]?[0-9]+(\.[0-9]+)?\s*$",
    "description": "An exact decimal: a JSON number or a string holding one.",
}
MONEY_OUT: Final[Schema] = {
    "type": "number",
    "description": "Written exactly from the decimal value, at the currency's minor unit.",
}
DATE: Final[Schema] = {"type": "string", "format": "date", "example": "2024-05-31"}
TIMESTAMP: Final[Schema] = {"type": "string", "format": "date-time"}
CURRENCY: Final[Schema] = {"type": "string", "enum": sorted(ISO_4217_CODES)}
ROLE: Final[Schema] = {
    "type": "string",
    "description": "Case-insensitive.",
    "enum": [form for r in Role for form in (r.value, r.value.upper())],
}
TENANT_ID: Final[Schema] = {
    "type": ["integer", "string"],
    "description": "The token's tenant_id: an integer when it is one, else the string.",
}
NAME: Final[Schema] = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"}


def _text(name: str) -> Schema:
    return {"type": ["string", "null"], "maxLength": TEXT_LIMITS[name]}


_TXN_FIELDS: Final[Schema] = {
    "amount": MONEY_IN,
    "date": DATE,
    "category": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
    **{name: _text(name) for name in TEXT_LIMITS},
    "tags": {
        "type": ["array", "null"],
        "maxItems": MAX_TAGS,
        "uniqueItems": True,
        "items": {"type": "string", "minLength": 1, "maxLength": 50},
    },
    "splits": {
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {
                "category": {"type": "string", "minLength": 1, "maxLength": 100},
                "amount": MONEY_IN,
            },
            "required": ["category", "amount"],
            "additionalProperties": False,
        },
    },
}

_TXN_OUT: Final[Schema] = {
    "type": "object",
    "properties": {
        "id": ID,
        "account_id": ID,
        "amount": MONEY_OUT,
        "date": DATE,
        "category": {"type": "string"},
        **{name: {"type": ["string", "null"]} for name in TEXT_LIMITS},
        "tags": {"type": "array", "items": {"type": "string"}},
        "splits": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"category": {"type": "string"}, "amount": MONEY_OUT},
                "required": ["category", "amount"],
            },
        },
        "transfer_id": {"type": ["integer", "null"]},
        "reconciled": {
            "type": "boolean",
            "description": "Dated on or before a reconciliation, so locked.",
        },
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "rule_fields": {
            "type": "object",
            "description": "Which categorization rule set which field: {field: rule id}.",
            "additionalProperties": ID,
        },
    },
}
_TXN_OUT["required"] = list(_TXN_OUT["properties"])

_ACCOUNT_OUT: Final[Schema] = {
    "type": "object",
    "properties": {
        "id": ID,
        "user_id": {"type": ["integer", "null"], "description": "Integer id of the creator."},
        "name": {"type": "string"},
        "account_type": {"type": "string", "enum": [t.value for t in AccountType]},
        "currency": {"type": "string"},
        "balance": MONEY_OUT,
        "initial_balance": MONEY_OUT,
        "min_balance": {"type": ["number", "null"]},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "as_of": {**DATE, "description": "Present with ?as_of."},
        "balance_as_of": {**MONEY_OUT, "description": "Balance at the end of as_of."},
    },
}
_ACCOUNT_OUT["required"] = [k for k in _ACCOUNT_OUT["properties"] if not k.endswith("as_of")]

_MEMBER: Final[Schema] = {
    "type": "object",
    "properties": {
        "id": ID,
        "user_id": ID,
        "auth_user_id": {"type": "string"},
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "created_at": TIMESTAMP,
    },
    "required": ["id", "user_id", "auth_user_id", "role", "created_at"],
}


def _obj(properties: Schema, required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


COMPONENTS: Final[dict[str, Schema]] = {
    "OpenApiDocument": {"type": "object", "description": "An OpenAPI 3.1 document."},
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            },
            "rule": {"type": "string"},
            "request_id": {
                "type": "string",
                "description": "Quote it when reporting a problem; the service log has it.",
            },
            "account_id": {"type": "integer"},
            "balance": {"type": "number"},
        },
        "required": ["type", "title", "status", "detail"],
    },
    "Root": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "docs": {"type": ["string", "null"]},
            "openapi": {"type": "string"},
        },
        "required": ["name", "version", "docs", "openapi"],
    },
    "Health": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["healthy", "unhealthy"]},
            "version": {"type": "string"},
            "storage": {"type": "string"},
        },
        "required": ["status", "version", "storage"],
    },
    "AccountCreate": _obj(
        {
            "name": NAME,
            "account_type": {"type": "string", "enum": [t.value for t in AccountType]},
            "initial_balance": MONEY_IN,
            "currency": nullable(CURRENCY),
            "min_balance": nullable(MONEY_IN),
        },
        ["name"],
    ),
    "AccountPatch": _obj(
        {
            "name": NAME,
            "account_type": {"type": "string", "enum": [t.value for t in AccountType]},
            "min_balance": nullable(MONEY_IN),
        },
        [],
    ),
    "Account": _ACCOUNT_OUT,
    "AccountList": {
        "type": "object",
        "properties": {
            "accounts": {"type": "array", "items": ref("Account")},
            "total": {"type": "integer", "minimum": 0},
        },
        "required": ["accounts", "total"],
    },
    "TransactionCreate": _obj(
        {"account_id": ID, **_TXN_FIELDS}, ["account_id", "amount", "date", "category"]
    ),
    "TransactionPatch": _obj(
        {"account_id": ID, **_TXN_FIELDS, "amount": MONEY_IN, "date": DATE}, []
    ),
    "BatchItem": _obj(dict(_TXN_FIELDS), ["amount", "date", "category"]),
    "BatchCreate": _obj(
        {
            "account_id": ID,
            "transactions": {
                "type": "array", "minItems": 1, "maxItems": 1000, "items": ref("BatchItem"),
            },
        },
        ["account_id", "transactions"],
    ),
    "Transaction": _TXN_OUT,
    "TransactionList": {
        "type": "object",
        "properties": {
            "transactions": {"type": "array", "items": ref("Transaction")},
            "total": {"type": ["integer", "null"]},
            "next_cursor": {"type": ["string", "null"]},
        },
        "required": ["transactions", "total", "next_cursor"],
    },
    "Batch": {
        "type": "object",
        "properties": {
            "transactions": {"type": "array", "items": ref("Transaction")},
            "account_balance": MONEY_OUT,
            "total_amount": MONEY_OUT,
            "count": {"type": "integer", "minimum": 1},
        },
        "required": ["transactions", "account_balance", "total_amount", "count"],
    },
    "TransferCreate": _obj(
        {
            "from_account_id": ID,
            "to_account_id": ID,
            "amount": MONEY_IN,
            "date": DATE,
            "description": _text("description"),
            "to_amount": nullable(MONEY_IN),
        },
        ["from_account_id", "to_account_id", "amount", "date"],
    ),
    "Transfer": {
        "type": "object",
        "properties": {
            "id": ID,
            "from_account_id": ID,
            "to_account_id": ID,
            "amount": MONEY_OUT,
            "to_amount": MONEY_OUT,
            "date": DATE,
            "description": {"type": ["string", "null"]},
            "created_at": TIMESTAMP,
            "from_transaction": ref("Transaction"),
            "to_transaction": ref("Transaction"),
        },
        "required": [
            "id", "from_account_id", "to_account_id", "amount", "to_amount", "date",
            "description", "created_at", "from_transaction", "to_transaction",
        ],
    },
    "Tenant": {
        "type": "object",
        "properties": {
            "id": TENANT_ID, "name": {"type": "string"},
            "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        },
        "required": ["id", "name", "created_at", "updated_at"],
    },
    "TenantPatch": _obj({"name": NAME}, ["name"]),
    "Membership": {
        "type": "object",
        "properties": {
            "id": TENANT_ID, "name": {"type": "string"},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        },
        "required": ["id", "name", "role", "created_at", "updated_at"],
    },
    "MembershipList": {"type": "array", "items": ref("Membership")},
    "Member": _MEMBER,
    "MemberList": {"type": "array", "items": ref("Member")},
    "MemberCreate": _obj(
        {"auth_user_id": {"type": "string", "minLength": 1, "maxLength": 255}, "role": ROLE},
        ["auth_user_id"],
    ),
    "RoleChange": _obj({"role": ROLE}, ["role"]),
    "MemberRemoved": {
        "type": "object",
        "properties": {"message": {"type": "string"}, "removed_user_id": ID},
        "required": ["message", "removed_user_id"],
    },
}  # fmt: skip

LIMIT: Final[Schema] = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}
