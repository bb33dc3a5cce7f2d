"""The demo catalogue's analysis, checked against an independent count: a backtracking enumeration
that evaluates every rule and table as soon as its option sets are assigned (text counts as empty
or not, as in the engine's analysis)."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from configurator.engine.document import model_from_document
from configurator.engine.expressions import condition
from configurator.engine.model import Kind, OptionSet, ProductModel
from products.analysis import analysis_for
from products.demo import demo_documents
from products.documents import checksum


def _domain(option_set: OptionSet) -> list:
    if option_set.kind is Kind.SINGLE:
        codes = [option.code for option in option_set.options]
        return codes if option_set.required else [*codes, None]
    if option_set.kind is Kind.MULTI:
        codes = [option.code for option in option_set.options]
        top = len(codes) if option_set.max_count is None else option_set.max_count
        return [
            frozenset(c)
            for n in range(option_set.min_count, top + 1)
            for c in itertools.combinations(codes, n)
        ]
    if option_set.kind is Kind.NUMBER:
        count = int((option_set.maximum - option_set.minimum) / option_set.step) + 1
        return [option_set.minimum + option_set.step * index for index in range(count)]
    if option_set.kind is Kind.TEXT:
        pattern = re.compile(option_set.pattern or ".*")
        sample = next(text for text in ("A", "x", "AB", "7") if pattern.fullmatch(text))
        return [sample] if option_set.required else ["", sample]
    return [False, True]


def independent_count(model: ProductModel) -> int:
    sets = {option_set.code: option_set for option_set in model.option_sets}
    checks = []
    for rule in model.rules:
        when = condition(rule.when, sets) if rule.when.strip() else None
        require = condition(rule.require, sets)
        scope = require.names() | (when.names() if when else frozenset())
        checks.append(
            (scope, lambda env, w=when, r=require: (w is not None and not w.evaluate(env)) or r.evaluate(env))
        )
    for table in model.tables:
        rows = {tuple(row) for row in table.rows}
        checks.append(
            (
                frozenset(table.option_sets),
                lambda env, t=table, rows=rows: tuple(env[code] for code in t.option_sets) in rows,
            )
        )
    # Option sets that share no constraint are independent: count each connected group and multiply.
    group = {code: code for code in sets}

    def root(code: str) -> str:
        while group[code] != code:
            code = group[code]
        return code

    for scope, _ in checks:
        first, *rest = sorted(scope)
        for code in rest:
            group[root(code)] = root(first)
    total = 1
    for leader in {root(code) for code in sets}:
        members = [code for code in sets if root(code) == leader]
        group_checks = [(scope, check) for scope, check in checks if scope <= set(members)]
        total *= _count_group(members, group_checks, sets)
    return total


def _count_group(members: list[str], checks: list, sets: dict[str, OptionSet]) -> int:
    domains = [_domain(sets[code]) for code in members]
    due = [
        [check for scope, check in checks if code in scope and scope <= set(members[: i + 1])]
        for i, code in enumerate(members)
    ]

    def count(index: int, env: dict) -> int:
        if index == len(members):
            return 1
        total = 0
        for value in domains[index]:
            env[members[index]] = value
            if all(check(env) for check in due[index]):
                total += count(index + 1, env)
        del env[members[index]]
        return total

    return count(0, {})


EXPECTED = {"city-bike": 2_524_704, "office-chair": 78_624, "custom-shirt": 22_254_650}


@pytest.mark.parametrize("document", demo_documents(), ids=lambda document: document["code"])
def test_demo_analysis_matches_an_independent_count(document, settings, tmp_path):
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path)
    analysis, lines = analysis_for(checksum=checksum(document), load_document=lambda: document)
    assert analysis.satisfiable
    assert analysis.dead == () and analysis.core == ()
    assert analysis.rules_never_firing == () and analysis.rules_contradicting == ()
    assert analysis.rules_redundant == ()
    assert analysis.count.exact
    assert (
        analysis.count.value == independent_count(model_from_document(document)) == EXPECTED[document["code"]]
    )
    assert (
        lines[1] == f"Valid configurations: {EXPECTED[document['code']]:,} [ganak projected model counting]"
    )


def test_analysis_finds_dead_core_never_firing_and_redundant_rules(settings, tmp_path):
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path)
    document = next(document for document in demo_documents() if document["code"] == "city-bike")
    document["rules"] += [
        {"code": "no_green", "when": "", "require": "colour != 'racing_green'", "message": ""},
        {"code": "only_m", "when": "frame == 'carbon'", "require": "size == 'xl'", "message": ""},
        {"code": "carbon_again", "when": "frame == 'carbon'", "require": "brakes != 'rim'", "message": ""},
        {
            "code": "hub_green",
            "when": "colour == 'racing_green'",
            "require": "gears == 'hub7'",
            "message": "",
        },
        {"code": "always_wrap", "when": "", "require": "gift_wrap", "message": ""},
    ]
    analysis, _ = analysis_for(checksum=checksum(document), load_document=lambda: document)
    dead = {(choice.option_set, choice.value) for choice in analysis.dead}
    assert dead == {("colour", "racing_green"), ("frame", "carbon")}
    assert {(choice.option_set, choice.value) for choice in analysis.core} == {("gift_wrap", True)}
    assert set(analysis.rules_never_firing) >= {"hub_green", "carbon_no_rack", "carbon_disc_brakes"}
    assert "only_m" in analysis.rules_contradicting
    assert "carbon_again" in analysis.rules_redundant
    model = model_from_document(document)
    assert analysis.count.value == independent_count(model)


@pytest.mark.django_db
def test_analyse_product_command(demo_catalogue):
    out = StringIO()
    call_command("analyse_product", "office-chair", "--product-version", "1", stdout=out)
    assert out.getvalue().splitlines()[:3] == [
        "office-chair (version 1)",
        "  Satisfiable: yes",
        "  Valid configurations: 78,624 [ganak projected model counting]",
    ]
    out = StringIO()
    call_command("analyse_product", "city-bike", stdout=out)
    assert out.getvalue().startswith("city-bike (draft)\n")


@pytest.mark.django_db
def test_admin_shows_the_analysis_of_the_draft(client, demo_catalogue, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    product = demo_catalogue["office-chair"]
    response = client.get(f"/admin/products/product/{product.pk}/change/")
    assert "Valid configurations: 78,624" in response.content.decode()


def test_decimal_domains_are_exact():
    saddle = next(
        s for s in model_from_document(demo_documents()[0]).option_sets if s.code == "saddle_height"
    )
    assert _domain(saddle)[:3] == [Decimal("60"), Decimal("60.5"), Decimal("61.0")]
    assert len(_domain(saddle)) == 71
