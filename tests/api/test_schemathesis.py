"""Schemathesis runs every operation of the generated document against the app (WSGI), a bounded number of times:
no response is a server error and every response matches the document."""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from assess.extensions import db
from assess.services import tokens
from tests.assess.helpers import demo_users, load_demo

pytestmark = pytest.mark.slow


def test_every_operation_matches_the_document(app: Flask) -> None:
    load_demo(app)
    secret = tokens.create_token(demo_users()["arkitekt"], "schemathesis", tokens.READ_WRITE).secret
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            # Each request in its own context, as in production (the test holds an app context; see conftest).
            contextvars.Context().run(
                case.call_and_validate,
                headers={"Authorization": f"Bearer {secret}"},
                # A random If-Match is rightly a 412: valid by the schema, refused by the state.
                excluded_checks=[positive_data_acceptance],
            )

        try:
            check()
        except Exception as exc:  # every operation is tried; the failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
