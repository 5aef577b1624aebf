"""Categorization rules over HTTP: CRUD with ETags, roles, runs, previews, suggestions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from falcon import testing
from http_support import Api, data, make_settings

from finance_core.categorize.actions import ActionKind, Proposal
from finance_core.categorize.ops import ConditionOp, ValueTest
from finance_core.plugins import hookimpl, make_plugin_manager
from finance_http.app import build_dependencies, create_app

COFFEE: dict[str, Any] = {
    "name": "coffee",
    "conditions": {"field": "merchant", "op": "contains", "value": "cafe"},
    "actions": [{"set": "category", "value": "coffee"}],
}


def create(api: Api, body: dict[str, Any] = COFFEE, **extra: Any) -> dict[str, Any]:
    result = api.post("/api/rules", {**body, **extra})
    assert result.status_code == 201, result.text
    return data(result)  # type: ignore[no-any-return]


class TestRuleResources:
    def test_create_answers_201_with_etag_and_location(self, api: Api) -> None:
        """A new rule is answered with its body, ETag and Location."""
        result = api.post("/api/rules", COFFEE)
        rule = data(result)
        assert result.status_code == 201
        assert result.headers["ETag"] == '"1"'
        assert result.headers["Location"] == f"/api/rules/{rule['id']}"
        assert rule["conditions"]["case_sensitive"] is False
        assert (rule["stage"], rule["position"], rule["enabled"], rule["stop"]) == (
            "default",
            1,
            True,
            False,
        )

    def test_list_is_in_run_order(self, api: Api) -> None:
        """GET /api/rules lists by stage, then position."""
        create(api, name="late", stage="post")
        create(api, name="b")
        create(api, name="a", position=1)
        rules = data(api.get("/api/rules"))
        assert [r["name"] for r in rules["rules"]] == ["a", "b", "late"]
        assert rules["total"] == 3

    def test_a_bad_leaf_is_422_naming_it(self, api: Api) -> None:
        """An op that does not fit its field is a validation problem naming the leaf."""
        body = {
            **COFFEE,
            "conditions": {"all": [{"field": "date", "op": "contains", "value": "x"}]},
        }
        result = api.post("/api/rules", body)
        assert result.status_code == 422
        assert [e["field"] for e in data(result)["errors"]] == ["conditions.all[0].op"]

    def test_patch_honours_if_match(self, api: Api) -> None:
        """A stale If-Match is 412; the current one changes the rule and its ETag."""
        rule = create(api)
        path = f"/api/rules/{rule['id']}"
        stale = api.patch(path, {"enabled": False}, headers={"If-Match": '"9"'})
        assert stale.status_code == 412
        fresh = api.patch(path, {"enabled": False}, headers={"If-Match": '"1"'})
        assert fresh.status_code == 200
        assert fresh.headers["ETag"] == '"2"'
        assert data(api.get(path))["enabled"] is False

    def test_delete_then_404(self, api: Api) -> None:
        """A deleted rule is gone."""
        rule = create(api)
        assert api.delete(f"/api/rules/{rule['id']}").status_code == 204
        assert api.get(f"/api/rules/{rule['id']}").status_code == 404

    def test_another_tenants_rule_is_404(self, api: Api) -> None:
        """Another tenant's rule id answers like a missing one, for every method."""
        rule = create(api)
        other = api.as_(sub="2", tenant="2")
        path = f"/api/rules/{rule['id']}"
        assert other.get(path).status_code == 404
        assert other.patch(path, {"enabled": False}).status_code == 404
        assert other.delete(path).status_code == 404
        apply = other.post("/api/rules/apply", {"rule_ids": [rule["id"]], "dry_run": True})
        assert apply.status_code == 404

    def test_viewers_read_but_cannot_write_or_apply(self, api: Api) -> None:
        """A viewer gets 200 on reads and 403 on writes and runs."""
        create(api)
        api.post("/api/tenants/me/members", {"auth_user_id": "v", "role": "viewer"})
        viewer = api.as_(sub="v", role="VIEWER")
        assert viewer.get("/api/rules").status_code == 200
        assert viewer.post("/api/rules", {**COFFEE, "name": "x"}).status_code == 403
        assert viewer.post("/api/rules/apply", {"dry_run": True}).status_code == 403


class TestRuleRuns:
    def test_new_transactions_show_which_rule_set_what(self, api: Api) -> None:
        """A rule categorizes a posted transaction; rule_fields names it."""
        rule = create(api)
        account = api.account()
        txn = api.transaction(account["id"], category="uncategorized", merchant="Cafe Uno")
        assert txn["category"] == "coffee"
        assert txn["rule_fields"] == {"category": rule["id"]}

    def test_apply_dry_run_then_real_run(self, api: Api) -> None:
        """The dry run lists the change and writes nothing; the real run writes it."""
        account = api.account()
        txn = api.transaction(account["id"], category="uncategorized", merchant="Cafe Uno")
        rule = create(api)
        body = {"dry_run": True, "filters": {"account_id": account["id"]}}
        dry = data(api.post("/api/rules/apply", body))
        assert dry["changed"] == 1
        assert dry["changes"] == [
            {
                "transaction_id": txn["id"],
                "rule_id": rule["id"],
                "field": "category",
                "before": "uncategorized",
                "after": "coffee",
            }
        ]
        assert data(api.get(f"/api/transactions/{txn['id']}"))["category"] == "uncategorized"
        real = data(api.post("/api/rules/apply", {**body, "dry_run": False}))
        assert real["changes"] == dry["changes"]
        assert data(api.get(f"/api/transactions/{txn['id']}"))["category"] == "coffee"

    def test_apply_keeps_a_persons_choice_unless_override(self, api: Api) -> None:
        """A hand-set category is overwritten only with override."""
        account = api.account()
        api.transaction(account["id"], category="treats", merchant="Cafe Uno")
        create(api)
        assert data(api.post("/api/rules/apply", {"dry_run": True}))["changed"] == 0
        forced = api.post("/api/rules/apply", {"dry_run": True, "override": True})
        assert data(forced)["changed"] == 1

    def test_bad_filters_are_422(self, api: Api) -> None:
        """Unknown filters and bad values are each named."""
        result = api.post(
            "/api/rules/apply", {"dry_run": True, "filters": {"colour": "red", "start_date": "x"}}
        )
        assert result.status_code == 422
        fields = {e["field"] for e in data(result)["errors"]}
        assert fields == {"filters.colour", "filters.start_date"}

    def test_preview_reports_matches_and_changes(self, api: Api) -> None:
        """An unsaved rule's matches and changes, with nothing stored."""
        account = api.account()
        api.transaction(account["id"], category="uncategorized", merchant="Cafe Uno")
        api.transaction(account["id"], category="coffee", merchant="Cafe Duo")
        body = {k: COFFEE[k] for k in ("conditions", "actions")}
        result = data(api.post("/api/rules/preview", body))
        assert (result["matched"], result["changed"]) == (2, 1)
        assert result["changes"][0]["rule_id"] is None
        assert data(api.get("/api/rules"))["total"] == 0

    def test_suggestions_are_bodies_ready_to_post(self, api: Api) -> None:
        """A suggestion's rule can be posted as it is."""
        account = api.account()
        for _ in range(3):
            api.transaction(account["id"], category="groceries", merchant="Corner Shop")
        found = data(api.get("/api/rules/suggestions"))["suggestions"]
        by_merchant = [s for s in found if s["rule"]["conditions"]["field"] == "merchant"]
        assert by_merchant[0]["matches"] == 3
        assert api.post("/api/rules", by_merchant[0]["rule"]).status_code == 201


class TestRuleDocument:
    def test_every_op_and_action_kind_is_documented(self, api: Api) -> None:
        """The document's rule schemas list every condition op and action kind."""
        schemas = data(api.get("/openapi.json"))["components"]["schemas"]
        leaf = schemas["RuleCondition"]["anyOf"][0]
        assert set(leaf["properties"]["op"]["enum"]) >= {
            "equals", "contains", "starts_with", "ends_with", "matches", "one_of",
            "gt", "gte", "lt", "lte", "between", "has_tag",
        }  # fmt: skip
        kinds = {next(iter(s["required"])) for s in schemas["RuleAction"]["anyOf"]}
        assert kinds == {"set", "add_tag", "remove_tag"}


def _build_weekend(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    return value, lambda day: day.weekday() >= 5


def _build_flag(action: Mapping[str, Any]) -> tuple[dict[str, Any], Proposal]:
    return dict(action), lambda txn: {"tags": (*txn.tags, "flagged")}


class _Weekend:
    @hookimpl
    def finance_rule_condition_ops(self) -> Sequence[ConditionOp]:
        return [ConditionOp("on_weekend", frozenset({"date"}), _build_weekend, "Sat or Sun.")]

    @hookimpl
    def finance_rule_actions(self) -> Sequence[ActionKind]:
        return [ActionKind("flag", _build_flag, "Tag it flagged.")]


def test_the_document_lists_plugin_ops_and_actions() -> None:
    """OpenAPI documents plugin ops and action kinds beside the built-ins."""
    plugins = make_plugin_manager([_Weekend()])
    app = create_app(build_dependencies(make_settings("memory://"), plugins))
    schemas = testing.TestClient(app).simulate_get("/openapi.json").json["components"]["schemas"]
    leaf = schemas["RuleCondition"]["anyOf"][0]
    assert "on_weekend" in leaf["properties"]["op"]["enum"]
    assert "`on_weekend` (date): Sat or Sun." in leaf["description"]
    assert ["flag"] in [s.get("required") for s in schemas["RuleAction"]["anyOf"]]


class TestRulesTravel:
    def test_restore_brings_rules_and_applies_them_when_asked(self, api: Api) -> None:
        """The JSON export carries rules; apply_rules=true runs them over restored rows."""
        account = api.account()
        api.transaction(account["id"], category="uncategorized", merchant="Cafe Uno")
        create(api)
        document = api.get("/api/export", params={"format": "json"}).text
        other = api.as_(sub="2", tenant="2")
        restored = other.request(
            "POST",
            "/api/imports",
            raw=document,
            params={"format": "json", "apply_rules": "true"},
        )
        assert restored.status_code == 201, restored.text
        assert [r["name"] for r in data(other.get("/api/rules"))["rules"]] == ["coffee"]
        rows = data(other.get("/api/transactions"))["transactions"]
        assert [t["category"] for t in rows] == ["coffee"]
