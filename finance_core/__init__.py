"""Finance Planner's pure domain core.

Start with ``open_ledger``::

    from finance_core import open_ledger
    ledger = open_ledger("memory://")
"""

from __future__ import annotations

from finance_core.accounts import Account, AccountType
from finance_core.bootstrap import open_ledger
from finance_core.errors import (
    BalanceRuleViolation,
    ConfigurationError,
    ConflictError,
    DuplicateError,
    FieldError,
    FinanceError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    StorageError,
    StorageFullError,
    ValidationError,
)
from finance_core.queries import Cursor, Page, PageRequest, TransactionFilter
from finance_core.services import UNSET, BatchResult, Ledger, TransferResult
from finance_core.tenancy import Member, Principal, Role, Tenant, User
from finance_core.transactions import Split, Transaction, Transfer

__version__ = "0.1.0"

__all__ = [
    "UNSET",
    "Account",
    "AccountType",
    "BalanceRuleViolation",
    "BatchResult",
    "ConfigurationError",
    "ConflictError",
    "Cursor",
    "DuplicateError",
    "FieldError",
    "FinanceError",
    "Ledger",
    "Member",
    "NotFoundError",
    "Page",
    "PageRequest",
    "PermissionDeniedError",
    "Principal",
    "Role",
    "Split",
    "StaleVersionError",
    "StorageError",
    "StorageFullError",
    "Tenant",
    "Transaction",
    "TransactionFilter",
    "Transfer",
    "TransferResult",
    "User",
    "ValidationError",
    "__version__",
    "open_ledger",
]
