"""The API's route table: every built-in path, resource and operation."""

from __future__ import annotations

from typing import Final

import cattrs
import falcon

from finance_core.services import Ledger
from finance_http.planning_routes import planning_routes
from finance_http.resources.accounts import Accounts
from finance_http.resources.meta import DocsAsset, DocsPage, Health, OpenApiDocument, Root
from finance_http.resources.rules import rule_routes
from finance_http.resources.statements import statement_routes
from finance_http.resources.tenants import CurrentTenant, Members, Tenants
from finance_http.resources.transactions import Transactions
from finance_http.resources.transfers import Transfers
from finance_http.routing import Operation, Param, Route
from finance_http.schemas import DATE, ID, LIMIT, MONEY_IN, USER_ID

Op = Operation


def _id(name: str, what: str) -> Param:
    return Param(name, ID, f"The {what}'s id.", location="path", required=True)


def _text(name: str, description: str) -> Param:
    return Param(name, {"type": "string", "maxLength": 255}, description)


LIST_FILTERS: Final = (
    Param("account_id", ID, "Only this account's transactions (404 if it is not yours)."),
    Param("start_date", DATE, "On or after this date."),
    Param("end_date", DATE, "On or before this date."),
    _text("category", "Exactly this category."),
    _text("merchant", "Merchant contains this text (case-insensitive)."),
    _text("tags", "Comma-separated tags; a transaction matches if it has any of them."),
    _text("der_category", "Exactly this derived category."),
    _text("der_merchant", "Derived merchant contains this text."),
    Param("min_amount", {"type": "string", "pattern": MONEY_IN["pattern"]}, "Amount at least."),
    Param("max_amount", {"type": "string", "pattern": MONEY_IN["pattern"]}, "Amount at most."),
    _text("q", "Description or merchant contains this text."),
    Param("limit", LIMIT, "Page size, 1 to 1000."),
    Param("offset", {"type": "integer", "minimum": 0}, "Rows to skip (offset pagination)."),
    Param(
        "cursor",
        {"type": "string", "maxLength": 255},
        "next_cursor of the previous page (keyset pagination).",
    ),
    Param(
        "total",
        {"type": "boolean", "default": True},
        "Count every matching row into total (the default); false leaves total null and "
        "saves the count, which grows with the history.",
    ),
)


def api_routes(ledger: Ledger, converter: cattrs.Converter) -> list[Route]:
    """The ledger's routes under ``/api``."""
    accounts = Accounts(ledger, converter)
    transactions = Transactions(ledger, converter)
    transfers = Transfers(ledger, converter)
    members = Members(ledger, converter)
    return [
        Route(
            "/api/accounts",
            accounts,
            tag="accounts",
            operations=(
                Op(
                    "GET",
                    "listAccounts",
                    "List the tenant's accounts",
                    {200: ("The accounts, by id.", "AccountList")},
                ),
                Op(
                    "POST",
                    "createAccount",
                    "Open an account",
                    {201: ("The new account.", "Account")},
                    body="AccountCreate",
                    conditional=True,
                ),
            ),
        ),
        Route(
            "/api/accounts/{account_id}",
            accounts,
            suffix="item",
            tag="accounts",
            path_params=(_id("account_id", "account"),),
            operations=(
                Op(
                    "GET",
                    "getAccount",
                    "Get an account",
                    {200: ("The account.", "Account")},
                    conditional=True,
                    query=(Param("as_of", DATE, "Also give the balance at the end of this day."),),
                ),
                Op(
                    "PATCH",
                    "updateAccount",
                    "Rename, retype or change the floor of an account",
                    {200: ("The updated account.", "Account")},
                    body="AccountPatch",
                    conditional=True,
                ),
                Op(
                    "DELETE",
                    "deleteAccount",
                    "Delete an account and its transactions",
                    {204: ("Deleted.", None)},
                    conditional=True,
                ),
            ),
        ),
        Route(
            "/api/transactions",
            transactions,
            tag="transactions",
            operations=(
                Op(
                    "GET",
                    "listTransactions",
                    "List transactions, newest first",
                    {200: ("One page of transactions.", "TransactionList")},
                    query=LIST_FILTERS,
                ),
                Op(
                    "POST",
                    "createTransaction",
                    "Post a transaction",
                    {201: ("The new transaction.", "Transaction")},
                    body="TransactionCreate",
                    conditional=True,
                ),
            ),
        ),
        Route(
            "/api/transactions/batch",
            transactions,
            suffix="batch",
            tag="transactions",
            operations=(
                Op(
                    "POST",
                    "createTransactionBatch",
                    "Post 1 to 1000 transactions, all or nothing",
                    {201: ("The new transactions and the account's balance.", "Batch")},
                    body="BatchCreate",
                ),
            ),
        ),
        Route(
            "/api/transactions/{transaction_id}",
            transactions,
            suffix="item",
            tag="transactions",
            path_params=(_id("transaction_id", "transaction"),),
            operations=(
                Op(
                    "GET",
                    "getTransaction",
                    "Get a transaction",
                    {200: ("The transaction.", "Transaction")},
                    conditional=True,
                ),
                Op(
                    "PATCH",
                    "updateTransaction",
                    "Change any field; null clears an optional one",
                    {200: ("The updated transaction.", "Transaction")},
                    body="TransactionPatch",
                    conditional=True,
                ),
                Op(
                    "DELETE",
                    "deleteTransaction",
                    "Delete a transaction (a transfer leg: the transfer)",
                    {204: ("Deleted.", None)},
                    conditional=True,
                ),
            ),
        ),
        Route(
            "/api/transfers",
            transfers,
            tag="transfers",
            operations=(
                Op(
                    "POST",
                    "createTransfer",
                    "Move money between two accounts",
                    {201: ("The transfer with both legs.", "Transfer")},
                    body="TransferCreate",
                    conditional=True,
                ),
            ),
        ),
        Route(
            "/api/transfers/{transfer_id}",
            transfers,
            suffix="item",
            tag="transfers",
            path_params=(_id("transfer_id", "transfer"),),
            operations=(
                Op(
                    "GET",
                    "getTransfer",
                    "Get a transfer with both legs",
                    {200: ("The transfer.", "Transfer")},
                    conditional=True,
                ),
                Op(
                    "DELETE",
                    "deleteTransfer",
                    "Delete a transfer and both legs",
                    {204: ("Deleted.", None)},
                    conditional=True,
                ),
            ),
        ),
        Route(
            "/api/tenants",
            Tenants(ledger, converter),
            tag="tenants",
            operations=(
                Op(
                    "GET",
                    "listMyTenants",
                    "The caller's memberships",
                    {200: ("Every tenant the caller belongs to.", "MembershipList")},
                ),
            ),
        ),
        Route(
            "/api/tenants/me",
            CurrentTenant(ledger, converter),
            tag="tenants",
            operations=(
                Op("GET", "getTenant", "The token's tenant", {200: ("The tenant.", "Tenant")}),
                Op(
                    "PATCH",
                    "renameTenant",
                    "Rename the tenant (owner)",
                    {200: ("The renamed tenant.", "Tenant")},
                    body="TenantPatch",
                ),
            ),
        ),
        Route(
            "/api/tenants/me/members",
            members,
            tag="members",
            operations=(
                Op(
                    "GET",
                    "listMembers",
                    "The tenant's members",
                    {200: ("Every member.", "MemberList")},
                ),
                Op(
                    "POST",
                    "addMember",
                    "Add a member (admin or owner)",
                    {201: ("The new member.", "Member")},
                    body="MemberCreate",
                ),
            ),
        ),
        Route(
            "/api/tenants/me/members/{user_id}/role",
            members,
            suffix="role",
            tag="members",
            path_params=(
                Param("user_id", USER_ID, "The member's user id.", location="path", required=True),
            ),
            operations=(
                Op(
                    "PATCH",
                    "changeMemberRole",
                    "Change a member's role (owner)",
                    {200: ("The member.", "Member")},
                    body="RoleChange",
                ),
            ),
        ),
        Route(
            "/api/tenants/me/members/{user_id}",
            members,
            suffix="item",
            tag="members",
            path_params=(
                Param("user_id", USER_ID, "The member's user id.", location="path", required=True),
            ),
            operations=(
                Op(
                    "DELETE",
                    "removeMember",
                    "Remove a member (admin or owner)",
                    {200: ("Who was removed.", "MemberRemoved")},
                ),
            ),
        ),
        *rule_routes(ledger, converter),
        *planning_routes(ledger, converter),
        *statement_routes(ledger, converter),
    ]


def service_routes(ledger: Ledger, version: str, docs_enabled: bool) -> list[Route]:
    """Unauthenticated routes (the document itself is added by the app factory)."""
    routes = [
        Route(
            "/",
            Root(version, docs_enabled),
            tag="service",
            public=True,
            operations=(
                Op(
                    "GET",
                    "getRoot",
                    "Name, version and where the docs are",
                    {200: ("About this service.", "Root")},
                ),
            ),
        ),
        Route(
            "/health",
            Health(ledger.storage, version),
            tag="service",
            public=True,
            operations=(
                Op(
                    "GET",
                    "getHealth",
                    "Liveness and storage check",
                    {200: ("Healthy.", "Health"), 503: ("Storage is unreachable.", "Health")},
                ),
            ),
        ),
    ]
    if docs_enabled:
        routes += [
            Route(
                "/docs",
                DocsPage(),
                tag="service",
                public=True,
                operations=(
                    Op(
                        "GET",
                        "getDocs",
                        "This documentation, as Swagger UI",
                        {200: ("The page.", None)},
                        media_types=("text/html",),
                    ),
                ),
            ),
            Route(
                "/docs/assets/{name}",
                DocsAsset(),
                tag="service",
                public=True,
                path_params=(
                    Param(
                        "name",
                        {"type": "string"},
                        "Asset file name.",
                        location="path",
                        required=True,
                    ),
                ),
                operations=(
                    Op(
                        "GET",
                        "getDocsAsset",
                        "A Swagger UI file",
                        {200: ("The file.", None), 404: ("No such asset.", "Problem")},
                        media_types=(falcon.MEDIA_JS, "text/css"),
                    ),
                ),
            ),
        ]
    return routes


def document_route(document: OpenApiDocument) -> Route:
    return Route(
        "/openapi.json",
        document,
        tag="service",
        public=True,
        operations=(
            Op(
                "GET",
                "getOpenApi",
                "This OpenAPI 3.1 document",
                {200: ("The document.", "OpenApiDocument")},
            ),
        ),
    )
