"""``/api/rules``: categorization rules, their runs, previews and suggestions."""

from __future__ import annotations

import cattrs
import falcon

from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_http.reading import if_match, read_body
from finance_http.resources.base import Resource
from finance_http.routing import Operation, Param, Route
from finance_http.rule_schemas import rule_components
from finance_http.rule_wire import (
    ApplyIn,
    ApplyOut,
    PreviewIn,
    PreviewOut,
    RuleCreateIn,
    RuleListOut,
    RuleOut,
    RulePatchIn,
    SuggestionListOut,
    SuggestionOut,
    check_flag,
    check_rule_ids,
    read_filters,
)
from finance_http.schemas import ID


class Rules(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        rules = self.ledger.list_rules(self.principal(req))
        self.write(resp, RuleListOut([RuleOut.of(r) for r in rules], len(rules)))

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, RuleCreateIn, self.converter)
        rule = self.ledger.create_rule(self.principal(req), body.body())
        self.write(
            resp,
            RuleOut.of(rule),
            status=201,
            version=rule.version,
            location=f"/api/rules/{rule.id}",
        )

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, rule_id: int) -> None:
        rule = self.ledger.get_rule(self.principal(req), rule_id)
        self.write(resp, RuleOut.of(rule), version=rule.version)

    def on_patch_item(self, req: FinanceRequest, resp: falcon.Response, rule_id: int) -> None:
        principal = self.principal(req)
        body = read_body(req, RulePatchIn, self.converter)
        expected = if_match(req, lambda: self.ledger.get_rule(principal, rule_id).version)
        rule = self.ledger.update_rule(principal, rule_id, body.body(), expected_version=expected)
        self.write(resp, RuleOut.of(rule), version=rule.version)

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, rule_id: int) -> None:
        principal = self.principal(req)
        expected = if_match(req, lambda: self.ledger.get_rule(principal, rule_id).version)
        self.ledger.delete_rule(principal, rule_id, expected_version=expected)
        self.no_content(resp)

    def on_post_apply(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, ApplyIn, self.converter)
        result = self.ledger.apply_rules(
            self.principal(req),
            rule_ids=check_rule_ids(body.rule_ids),
            flt=read_filters(body.filters),
            dry_run=check_flag("dry_run", body.dry_run),
            override=check_flag("override", body.override),
        )
        self.write(resp, ApplyOut.of(result))

    def on_post_preview(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, PreviewIn, self.converter)
        result = self.ledger.preview_rule(
            self.principal(req),
            body.body(),
            flt=read_filters(body.filters),
            override=check_flag("override", body.override),
        )
        self.write(resp, PreviewOut.of(result))

    def on_get_suggestions(self, req: FinanceRequest, resp: falcon.Response) -> None:
        found = self.ledger.suggest_rules(self.principal(req))
        self.write(resp, SuggestionListOut([SuggestionOut.of(s) for s in found]))


Op = Operation


def rule_routes(ledger: Ledger, converter: cattrs.Converter) -> list[Route]:
    """The rule routes, documented with the ledger's condition ops and action kinds."""
    rules = Rules(ledger, converter)
    schemas = rule_components(ledger.rule_vocabulary)
    rule_id = Param("rule_id", ID, "The rule's id.", location="path", required=True)
    return [
        Route(
            "/api/rules",
            rules,
            tag="rules",
            schemas=schemas,
            operations=(
                Op(
                    "GET",
                    "listRules",
                    "List rules in run order: stage, then position",
                    {200: ("Every rule of the tenant.", "RuleList")},
                ),
                Op(
                    "POST",
                    "createRule",
                    "Create a rule (members and above)",
                    {201: ("The new rule.", "Rule")},
                    body="RuleCreate",
                    conditional=True,
                    description="Without a position the rule goes last in its stage; "
                    "a position shifts the rules from there on.",
                ),
            ),
        ),
        Route(
            "/api/rules/apply",
            rules,
            suffix="apply",
            tag="rules",
            operations=(
                Op(
                    "POST",
                    "applyRules",
                    "Run rules over stored transactions",
                    {200: ("Every field change, with its count.", "RuleApplyResult")},
                    body="RuleApply",
                    description="Fields a person set are kept unless override is true. A dry "
                    "run writes nothing; a real run changes all or nothing.",
                    expensive=True,
                ),
            ),
        ),
        Route(
            "/api/rules/preview",
            rules,
            suffix="preview",
            tag="rules",
            operations=(
                Op(
                    "POST",
                    "previewRule",
                    "What an unsaved rule would match and change",
                    {200: ("Matches and changes; nothing is stored.", "RulePreviewResult")},
                    body="RulePreview",
                    expensive=True,
                ),
            ),
        ),
        Route(
            "/api/rules/suggestions",
            rules,
            suffix="suggestions",
            tag="rules",
            operations=(
                Op(
                    "GET",
                    "suggestRules",
                    "Rules that reproduce hand-made categories",
                    {200: ("Suggested bodies with their effect.", "RuleSuggestions")},
                    expensive=True,
                ),
            ),
        ),
        Route(
            "/api/rules/{rule_id}",
            rules,
            suffix="item",
            tag="rules",
            path_params=(rule_id,),
            operations=(
                Op("GET", "getRule", "Get a rule", {200: ("The rule.", "Rule")}, conditional=True),
                Op(
                    "PATCH",
                    "updateRule",
                    "Change, enable, move or re-stage a rule",
                    {200: ("The updated rule.", "Rule")},
                    body="RulePatch",
                    conditional=True,
                ),
                Op(
                    "DELETE",
                    "deleteRule",
                    "Delete a rule",
                    {204: ("Deleted.", None)},
                    conditional=True,
                ),
            ),
        ),
    ]
