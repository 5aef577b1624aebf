"""``/api/accounts``."""

from __future__ import annotations

from datetime import date

import attrs
import falcon

from finance_core.errors import ValidationError
from finance_http.context import FinanceRequest
from finance_http.reading import if_match, query_value, read_body
from finance_http.resources.base import Resource
from finance_http.wire import (
    AccountAsOfOut,
    AccountCreateIn,
    AccountListOut,
    AccountOut,
    AccountPatchIn,
)


class Accounts(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        accounts = self.ledger.list_accounts(self.principal(req))
        self.write(resp, AccountListOut([AccountOut.of(a) for a in accounts], len(accounts)))

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, AccountCreateIn, self.converter)
        # Ledger.open_account reads any falsy currency as "not given"; {} or 0 is not.
        if body.currency is not None and not isinstance(body.currency, str):
            raise ValidationError.of("currency", "currency must be a 3-letter code or null")
        account = self.ledger.open_account(
            self.principal(req),
            body.name,
            body.account_type,
            currency=body.currency,
            initial_balance=body.initial_balance,
            min_balance=body.min_balance,
        )
        self.write(
            resp,
            AccountOut.of(account),
            status=201,
            version=account.version,
            location=f"/api/accounts/{account.id}",
        )

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, account_id: int) -> None:
        principal = self.principal(req)
        as_of = query_value(req, "as_of", date.fromisoformat, "as_of must be a date YYYY-MM-DD")
        account = self.ledger.get_account(principal, account_id)
        shape: AccountOut = AccountOut.of(account)
        if as_of is not None:
            balance = self.ledger.balance_as_of(principal, account_id, as_of)
            shape = AccountAsOfOut(
                **attrs.asdict(shape, recurse=False), as_of=as_of, balance_as_of=balance
            )
        self.write(resp, shape, version=account.version)

    def on_patch_item(self, req: FinanceRequest, resp: falcon.Response, account_id: int) -> None:
        principal = self.principal(req)
        body = read_body(req, AccountPatchIn, self.converter)
        expected = if_match(req, lambda: self.ledger.get_account(principal, account_id).version)
        account = self.ledger.update_account(
            principal,
            account_id,
            name=body.name,
            account_type=body.account_type,
            min_balance=body.min_balance,
            expected_version=expected,
        )
        self.write(resp, AccountOut.of(account), version=account.version)

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, account_id: int) -> None:
        principal = self.principal(req)
        expected = if_match(req, lambda: self.ledger.get_account(principal, account_id).version)
        self.ledger.delete_account(principal, account_id, expected_version=expected)
        self.no_content(resp)
