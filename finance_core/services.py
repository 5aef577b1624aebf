"""Use cases. Every call takes the acting ``Principal``, which names the tenant.

The ``Ledger`` is the only place that changes balances: each write locks the
accounts it touches (in id order, so two writers never deadlock), computes the
new balances, runs every balance rule, and stores rows and balances in one unit
of work. A rule violation or any other error rolls the whole unit back.

The ``Ledger`` is one class assembled from per-concept service classes (one
module each). They stay mixins of one class rather than separate objects
because use cases call each other (an import posts a batch, a restore writes
like a batch) and must share the open unit of work, the clock, the balance
rules and the after-commit listener: ``LedgerBase`` holds those once, and
``BalanceWrite`` is the one write helper every balance-changing use case uses.
"""

from __future__ import annotations

from finance_core.account_services import AccountServices
from finance_core.idempotency_services import IdempotencyServices
from finance_core.import_services import ImportServices
from finance_core.ledger_base import (
    UNSET,
    BalanceDrift,
    BatchResult,
    Clock,
    CommitListener,
    TransferResult,
    transfer_version,
)
from finance_core.planning_services import PlanningServices
from finance_core.portability_services import PortabilityServices
from finance_core.report_services import ReportServices
from finance_core.rule_services import RuleServices
from finance_core.statement_services import StatementServices
from finance_core.tenant_services import TenantServices


class Ledger(
    TenantServices,
    AccountServices,
    ImportServices,
    ReportServices,
    PortabilityServices,
    PlanningServices,
    IdempotencyServices,
    RuleServices,
    StatementServices,
):
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
