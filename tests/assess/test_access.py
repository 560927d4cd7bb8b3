"""Every route × every role: allowed, or refused on the server (403), or sent to sign in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess.extensions import db
from tests import factories
from tests.conftest import csrf_token, login_as

ALL = {"admin", "architect", "reviewer", "decision_maker", "viewer"}
EDIT = frozenset({"admin", "architect"})


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: Callable[[dict[str, Any]], str]
    allowed: frozenset[str]


#: The whole table (every route as every role, some 300 requests on fresh demo data) runs in `make test-load`
#: (.ci/run); `make test` keeps `test_every_endpoint_is_in_the_table` and the signed-out walk of every route.
LOAD = pytest.mark.load

ROUTES = [
    Route("cases.index", "GET", lambda w: "/", frozenset(ALL)),
    Route("cases.list_cases", "GET", lambda w: "/arenden", frozenset(ALL)),
    Route("cases.view_case", "GET", lambda w: f"/arenden/{w['case'].id}", frozenset(ALL)),
    Route("auth.logout", "POST", lambda w: "/logga-ut", frozenset(ALL)),
    Route("auth.password", "GET", lambda w: "/konto/losenord", frozenset(ALL)),
    Route("auth.password", "POST", lambda w: "/konto/losenord", frozenset(ALL)),
    Route("auth.reminders", "POST", lambda w: "/konto/paminnelser", frozenset(ALL)),
    Route("cases.compare", "GET", lambda w: f"/arenden/{w['case'].id}/jamforelse", frozenset(ALL)),
    Route("cases.new_case", "GET", lambda w: "/arenden/ny", EDIT),
    Route("cases.new_case", "POST", lambda w: "/arenden/ny", EDIT),
    Route("cases.edit_case", "GET", lambda w: f"/arenden/{w['case'].id}/redigera", EDIT),
    Route("cases.edit_case", "POST", lambda w: f"/arenden/{w['case'].id}/redigera", EDIT),
    Route("cases.new_alternative", "GET", lambda w: f"/arenden/{w['case'].id}/alternativ/nytt", EDIT),
    Route("cases.new_alternative", "POST", lambda w: f"/arenden/{w['case'].id}/alternativ/nytt", EDIT),
    Route("cases.edit_alternative", "GET", lambda w: f"/alternativ/{w['alternative'].id}/redigera", EDIT),
    Route("cases.edit_alternative", "POST", lambda w: f"/alternativ/{w['alternative'].id}/redigera", EDIT),
    Route("cases.new_module", "GET", lambda w: f"/alternativ/{w['alternative'].id}/moduler/ny", EDIT),
    Route("cases.new_module", "POST", lambda w: f"/alternativ/{w['alternative'].id}/moduler/ny", EDIT),
    Route("assessments.view", "GET", lambda w: f"/bedomningar/{w['assessment'].id}", frozenset(ALL)),
    Route("tokens.index", "GET", lambda w: "/konto/api-nycklar", frozenset(ALL)),
    Route("tokens.create", "POST", lambda w: "/konto/api-nycklar", frozenset(ALL)),
    Route("tokens.revoke", "POST", lambda w: "/konto/api-nycklar/999/aterkalla", frozenset(ALL)),
    Route("evidence.list_files", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/underlag", frozenset(ALL)),
    Route(
        "evidence.upload", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/underlag", frozenset(ALL - {"viewer"})
    ),
    Route("evidence.download", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/underlag/999", frozenset(ALL)),
    Route("evidence.remove", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/underlag/999/ta-bort", EDIT),
    Route(
        "evidence.export_sheet",
        "GET",
        lambda w: f"/bedomningar/{w['assessment'].id}/leverantorsformular.xlsx",
        frozenset(ALL),
    ),
    Route("evidence.import_sheet", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/leverantorsformular", EDIT),
    Route(
        "evidence.confirm_sheet",
        "POST",
        lambda w: f"/bedomningar/{w['assessment'].id}/leverantorsformular/bekrafta",
        EDIT,
    ),
    # Reviewers and decision makers may post the questions assigned to them (the service refuses the others).
    Route("assessments.save", "POST", lambda w: f"/bedomningar/{w['assessment'].id}", frozenset(ALL - {"viewer"})),
    Route(
        "assessments.autosave",
        "POST",
        lambda w: f"/bedomningar/{w['assessment'].id}/autospara",
        frozenset(ALL - {"viewer"}),
    ),
    Route("cases.team", "GET", lambda w: f"/arenden/{w['case'].id}/team", frozenset(ALL)),
    Route("cases.add_member", "POST", lambda w: f"/arenden/{w['case'].id}/team/medlem", EDIT),
    Route("cases.remove_member", "POST", lambda w: f"/arenden/{w['case'].id}/team/medlem/999/ta-bort", EDIT),
    Route("cases.add_contact", "POST", lambda w: f"/arenden/{w['case'].id}/team/kontakt", EDIT),
    Route("cases.remove_contact", "POST", lambda w: f"/arenden/{w['case'].id}/team/kontakt/999/ta-bort", EDIT),
    Route("review.view", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/granskning", frozenset(ALL)),
    Route("review.submit", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/skicka-in", EDIT),
    Route(
        "review.comment",
        "POST",
        lambda w: f"/bedomningar/{w['assessment'].id}/kommentarer",
        frozenset({"admin", "architect", "reviewer", "decision_maker"}),
    ),
    Route(
        "review.request_changes",
        "POST",
        lambda w: f"/bedomningar/{w['assessment'].id}/begar-andringar",
        frozenset({"reviewer"}),
    ),
    Route("review.approve", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/godkann", frozenset({"reviewer"})),
    Route("review.override", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/havning", frozenset({"reviewer"})),
    Route("review.reopen", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/ateruppta", EDIT),
    Route(
        "review.decide", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/beslut", frozenset({"decision_maker"})
    ),
    Route("review.revise", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/ny-revision", EDIT),
    Route("review.record", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/protokoll", frozenset(ALL)),
    Route("review.history", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/historik", frozenset(ALL)),
    Route("trace.question", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/regelspar/G-02", frozenset(ALL)),
    Route("review.claim", "POST", lambda w: "/villkor/999/anmal", frozenset(ALL - {"viewer"})),
    Route("review.verify", "POST", lambda w: "/villkor/999/verifiera", frozenset(ALL - {"viewer"})),
    Route("review.send_back", "POST", lambda w: "/villkor/999/skicka-tillbaka", frozenset(ALL - {"viewer"})),
    Route("review.tasks", "GET", lambda w: "/mina-uppgifter", frozenset(ALL)),
    Route("reports.assessment_pdf", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/rapport.pdf", frozenset(ALL)),
    Route("reports.comparison_pdf", "GET", lambda w: f"/arenden/{w['case'].id}/jamforelse.pdf", frozenset(ALL)),
    Route("steering.brief", "GET", lambda w: f"/arenden/{w['case'].id}/beslutsunderlag", frozenset(ALL)),
    Route("reports.steering_pdf", "GET", lambda w: f"/arenden/{w['case'].id}/beslutsunderlag.pdf", frozenset(ALL)),
    Route("scenarios.list_scenarios", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/scenarier", frozenset(ALL)),
    Route("scenarios.new_scenario", "POST", lambda w: f"/bedomningar/{w['assessment'].id}/scenarier", EDIT),
    Route("scenarios.edit", "GET", lambda w: "/scenarier/999", frozenset(ALL)),
    Route("scenarios.save", "POST", lambda w: "/scenarier/999", EDIT),
    Route("scenarios.delete", "POST", lambda w: "/scenarier/999/ta-bort", EDIT),
    Route("reassessment.index", "GET", lambda w: "/omprovning", frozenset({"admin", "architect", "decision_maker"})),
    Route("reassessment.create_watch", "POST", lambda w: "/omprovning/bevakningar", frozenset({"admin"})),
    Route("reassessment.fact_changed", "POST", lambda w: "/omprovning/bevakningar/999/andrad", frozenset({"admin"})),
    Route("reassessment.start", "GET", lambda w: f"/omprovning/bedomningar/{w['assessment'].id}/starta", EDIT),
    Route("reassessment.start", "POST", lambda w: f"/omprovning/bedomningar/{w['assessment'].id}/starta", EDIT),
    Route("admin.index", "GET", lambda w: "/admin/", frozenset({"admin"})),
    Route("admin.accounts", "GET", lambda w: "/admin/konton", frozenset({"admin"})),
    Route("admin.new_account", "GET", lambda w: "/admin/konton/nytt", frozenset({"admin"})),
    Route("admin.new_account", "POST", lambda w: "/admin/konton/nytt", frozenset({"admin"})),
    Route("admin.account", "GET", lambda w: f"/admin/konton/{w['owner'].id}", frozenset({"admin"})),
    Route("admin.account", "POST", lambda w: f"/admin/konton/{w['owner'].id}", frozenset({"admin"})),
    Route("admin.deactivate", "POST", lambda w: f"/admin/konton/{w['owner'].id}/avaktivera", frozenset({"admin"})),
    Route("admin.activate", "POST", lambda w: f"/admin/konton/{w['owner'].id}/aktivera", frozenset({"admin"})),
    Route("admin.group_mapping", "GET", lambda w: "/admin/gruppmappning", frozenset({"admin"})),
    Route(
        "exchange.export_assessment", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/export.json", frozenset(ALL)
    ),
    Route("exchange.import_assessment", "GET", lambda w: f"/alternativ/{w['alternative'].id}/importera", EDIT),
    Route("exchange.import_assessment", "POST", lambda w: f"/alternativ/{w['alternative'].id}/importera", EDIT),
    Route("exchange.archive", "GET", lambda w: f"/bedomningar/{w['assessment'].id}/arkivpaket.zip", frozenset(ALL)),
    Route("exchange.cases_csv", "GET", lambda w: "/arenden.csv", frozenset(ALL)),
    Route("exchange.comparison_csv", "GET", lambda w: f"/arenden/{w['case'].id}/jamforelse.csv", frozenset(ALL)),
]
PUBLIC = {
    "static",
    "auth.login",
    "auth.resume",
    "auth.choose_language",
    "oidc.login",
    "oidc.callback",
    "oidc.signed_out",
    "pages.accessibility",
    "health.healthz",
    "health.readyz",
}


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    owner = factories.create_user("architect", username="owner")
    case = factories.create_case()
    alternative = factories.create_alternative(case)
    assessment = factories.create_assessment(alternative, owner=owner)
    db.session.commit()
    return {"case": case, "alternative": alternative, "assessment": assessment, "owner": owner}


#: The JSON API answers for itself: a token or a session, else 401 as problem+json (tests/api check its roles, with
#: tokens of every role); its document and reference page are public.
API_PUBLIC = {"api.openapi", "api.reference"}


def _api_urls(app: Flask) -> list[tuple[str, str, str]]:
    result = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in API_PUBLIC:
            url = rule.rule.replace("<int:case_id>", "1").replace("<int:assessment_id>", "1")
            url = url.replace("<string(maxlength=16):question_id>", "G-01")
            url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)  # a list of names (the task lists): the first
            assert "<" not in url, f"give {rule.rule} a value for its argument"
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                result.append((rule.endpoint, method, url))
    return result


def test_every_endpoint_is_in_the_table(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    api = {e for e in endpoints if e.startswith("api.")}
    assert api, "the API is registered"
    assert endpoints - PUBLIC - api == {r.endpoint for r in ROUTES}


def test_every_api_route_signed_out_is_a_401_problem(app: Flask, client: FlaskClient) -> None:
    urls = _api_urls(app)
    assert len(urls) >= 13
    for endpoint, method, url in urls:
        response = client.open(url, method=method, json={} if method != "GET" else None)
        assert response.status_code == 401, (endpoint, method, response.status_code)
        assert response.mimetype == "application/problem+json", endpoint
    assert client.get("/api/v1/openapi.json").status_code == 200


@LOAD
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
@pytest.mark.parametrize("role", sorted(ALL))
def test_route_by_role(client: FlaskClient, world: dict[str, Any], route: Route, role: str) -> None:
    user = factories.create_user(role)
    db.session.commit()
    login_as(client, user)
    data = {"csrf_token": csrf_token(client, "/arenden")} if route.method == "POST" else None
    response = client.open(route.url(world), method=route.method, data=data)
    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
    if role in route.allowed:
        # The service may still refuse (state, ownership, four-eyes), but never the role check, and never a 500.
        assert response.status_code not in (401, 500), response.status_code
        assert not (response.status_code == 403 and "Åtkomst nekad" in body)
    else:
        assert response.status_code == 403
        assert "Åtkomst nekad" in body


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_route_signed_out_goes_to_login(client: FlaskClient, world: dict[str, Any], route: Route) -> None:
    response = client.open(route.url(world), method=route.method)
    if route.method == "GET":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/logga-in")
    else:
        # A post is never processed, and never thrown away: the answer asks to sign in again and keeps it.
        assert response.status_code == 401
        assert "Logga in igen" in response.get_data(as_text=True)


def test_an_undeclared_view_is_refused(app: Flask, client: FlaskClient) -> None:
    @app.route("/undeclared")
    def undeclared() -> str:
        return "secret"

    login_as(client, factories.create_user("admin"))
    db.session.commit()
    assert client.get("/undeclared").status_code == 403


def test_unknown_page_is_a_swedish_404(client: FlaskClient, app: Flask) -> None:
    login_as(client, factories.create_user("viewer"))
    db.session.commit()
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
    assert client.get("/arenden/999999").status_code == 404


def test_unexpected_error_is_a_swedish_500(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from assess.views.access import ANY_ROLE, allow

    @app.route("/boom")
    @allow(*ANY_ROLE)
    def boom() -> str:
        raise ZeroDivisionError

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(app.logger, "disabled", True)
    login_as(client, factories.create_user("viewer"))
    db.session.commit()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Internt fel" in response.get_data(as_text=True)
