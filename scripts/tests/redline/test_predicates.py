"""Three-valued truth-table equivalence (RL-1's notion of 'the same filter')."""

from __future__ import annotations

import pytest
import sqlglot

from redline.sqlast import equivalent

from .helpers import DIALECTS, rule_params

PROCESSED = {"processed": [None, True, False]}
PHASE = {"phase": [None, "", " ", "0", "1", "x"]}


def cond(sql: str, dialect: str) -> sqlglot.exp.Expr:
    return sqlglot.parse_one(f"select 1 where {sql}", dialect=dialect).args["where"].this


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("candidate", "same"),
    [
        pytest.param("processed is null or processed = false", True, id="verbatim"),
        pytest.param("processed = false or processed is null", True, id="reordered"),
        pytest.param("coalesce(processed, false) = false", True, id="coalesce"),
        pytest.param("not coalesce(processed, false)", True, id="not_coalesce"),
        pytest.param("case when processed then false else true end", True, id="case"),
        pytest.param("(processed is null) or (not processed)", True, id="not_processed"),
        pytest.param("processed = false", False, id="drops_null_rows"),
        pytest.param("processed is null", False, id="drops_false_rows"),
        pytest.param("processed <> true", False, id="neq_true_drops_null"),
        pytest.param("processed is not null", False, id="inverted"),
        pytest.param("processed is null or processed = true", False, id="true_instead_of_false"),
        pytest.param("coalesce(processed, true) = false", False, id="wrong_default"),
    ],
)
def test_processed_filter(candidate: str, same: bool, dialect: str) -> None:
    required = cond("processed is null or processed = false", dialect)
    assert equivalent(cond(candidate, dialect), required, PROCESSED) is same


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("candidate", "same"),
    [
        pytest.param("phase is null or phase = ''", True, id="verbatim"),
        pytest.param("coalesce(phase, '') = ''", True, id="coalesce"),
        pytest.param("nullif(phase, '') is null", True, id="nullif"),
        pytest.param("length(coalesce(phase, '')) = 0", True, id="length"),
        pytest.param("phase = ''", False, id="drops_null"),
        pytest.param("phase is null", False, id="drops_empty"),
        pytest.param("trim(phase) = '' or phase is null", False, id="accepts_blank"),
        pytest.param("phase is null or phase = '0'", False, id="accepts_phase_0"),
    ],
)
def test_phase_filter(candidate: str, same: bool, dialect: str) -> None:
    required = cond("phase is null or phase = ''", dialect)
    assert equivalent(cond(candidate, dialect), required, PHASE) is same


def test_other_columns_are_not_equivalent() -> None:
    required = cond("processed is null or processed = false", "duckdb")
    assert not equivalent(cond("processed is null or processed = false or phase = '0'", "duckdb"), required,
                          {**PROCESSED, **PHASE})


def test_domains_come_from_the_rules_file() -> None:
    params = rule_params("RL-1", "required_filter")
    columns = {next(iter(p["domains"])) for p in params["predicates"]}
    assert columns == {"processed", "phase"}
    for predicate in params["predicates"]:
        assert None in next(iter(predicate["domains"].values())), "NULL must be in every domain"
