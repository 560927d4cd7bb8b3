"""Callables that create test data (not fixtures), in the current app context."""

from __future__ import annotations

import itertools
from typing import Any

from assess.extensions import db
from assess.models import Alternative, Assessment, Case
from assess.rulesets import registry
from assess.services import users as user_service

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"

AREAS_FOR = {"reviewer": ["legal"]}


def create_user(
    role: str = "architect",
    username: str | None = None,
    areas: list[str] | None = None,
    roles: list[str] | None = None,
    **kwargs: Any,
) -> Any:
    """Create a user with one role (or several) and the test password."""
    n = next(_counter)
    roles = roles or [role]
    if areas is None:
        areas = ["legal"] if "reviewer" in roles else []
    return user_service.create_user(
        username=username or f"{roles[0].replace('_', '')}{n}",
        display_name=kwargs.pop("display_name", f"Test {roles[0]} {n}"),
        password=kwargs.pop("password", PASSWORD),
        roles=roles,
        areas=areas,
        **kwargs,
    )


def create_case(title: str = "Testärende", **kwargs: Any) -> Case:
    """Create a case."""
    case = Case(title=title, need_statement=kwargs.pop("need_statement", "Ett behov."), **kwargs)
    db.session.add(case)
    db.session.flush()
    return case


def create_alternative(case: Case, name: str = "Alternativ A", **kwargs: Any) -> Alternative:
    """Create an alternative of a case."""
    alternative = Alternative(case_id=case.id, name=name, position=len(case.alternatives), **kwargs)
    db.session.add(alternative)
    db.session.flush()
    return alternative


def create_assessment(
    alternative: Alternative | None = None, scope: str = "Hela alternativet", owner: Any = None, **kwargs: Any
) -> Assessment:
    """Create an assessment pinned to the newest published rule set unless told otherwise."""
    if alternative is None:
        alternative = create_alternative(create_case())
    pin = registry().newest_pin()
    assessment = Assessment(
        alternative_id=alternative.id,
        scope=scope,
        ruleset_id=kwargs.pop("ruleset_id", pin.id),
        ruleset_version=kwargs.pop("ruleset_version", pin.version),
        ruleset_sha256=kwargs.pop("ruleset_sha256", pin.sha256),
        owner_id=owner.id if owner is not None else None,
        **kwargs,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment
