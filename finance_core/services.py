"""Use cases. Every call takes the acting ``Principal``, which names the tenant.

The ``Ledger`` is the only place that changes balances: each write locks the
accounts it touches (in id order, so two writers never deadlock), computes the
new balances, runs every balance rule, and stores rows and balances in one unit
of work. A rule violation or any other error rolls the whole unit back.
"""

from __future__ import annotations

from finance_core.account_services import AccountServices
from finance_core.ledger_base import (
    UNSET,
    BalanceDrift,
    BatchResult,
    Clock,
    CommitListener,
    TransferResult,
    transfer_version,
)
from finance_core.rule_services import RuleServices
from finance_core.tenant_services import TenantServices
from finance_core.transaction_services import TransactionServices


class Ledger(TenantServices, AccountServices, TransactionServices, RuleServices):
    """The service layer over one ``Storage``: every use case, each taking a ``Principal``."""


__all__ = [
    "UNSET",
    "BalanceDrift",
    "BatchResult",
    "Clock",
    "CommitListener",
    "Ledger",
    "TransferResult",
    "transfer_version",
]
