"""Models over a documented limit are refused at once with a message naming the limit."""

from __future__ import annotations

import pytest

from products.importers import ModelFileError, ModelTooLargeError, load_model
from products.importers.dimacs import load_dimacs
from products.importers.sxfm import load_sxfm
from products.importers.xcsp import load_xcsp

from .test_sxfm import MODEL as SXFM_MODEL
from .test_xcsp import MODEL as XCSP_MODEL


def test_files_over_the_size_limit(monkeypatch, tmp_path):
    monkeypatch.setattr("products.importers.base.MAX_FILE_BYTES", 100)
    path = tmp_path / "big.cnf"
    path.write_text("c padding\n" * 20 + "p cnf 1 0\n")
    with pytest.raises(
        ModelTooLargeError, match=r"big\.cnf: the file has 210 bytes; the import limit is 100"
    ):
        load_model(path)


def test_a_huge_cnf_header_is_refused_before_anything_is_built():
    """Refused on the header line: the body after it is never read (a malformed body line would
    otherwise be the error)."""
    body = "not a clause\n"
    with pytest.raises(ModelFileError, match=r"m\.cnf:2: 'not' is not a literal"):
        load_dimacs(f"p cnf 2 1\n{body}", filename="m.cnf")
    with pytest.raises(
        ModelTooLargeError,
        match=r"m\.cnf:1: .*the import limits are 100,000 variables and 2,000,000 clauses",
    ):
        load_dimacs(f"p cnf 99999999 99999999\n{body}", filename="m.cnf")


def test_feature_models_with_too_many_features(monkeypatch):
    monkeypatch.setattr("products.importers.featuremodel.MAX_FEATURES", 5)
    with pytest.raises(ModelTooLargeError, match=r"m\.sxfm: 10 features; the import limit is 5"):
        load_sxfm(SXFM_MODEL, filename="m.sxfm")


def test_csp_domains_over_the_limit():
    text = XCSP_MODEL.replace('nbValues="3">0..2', 'nbValues="3">0..99999')
    with pytest.raises(
        ModelTooLargeError, match=r"m\.xml:5: <domain name=\"D0\">: 0\.\.99999: more than 1000 values"
    ):
        load_xcsp(text, filename="m.xml")


def test_rules_too_long_for_the_condition_language_name_the_line():
    names = "".join(f"c {i} a_rather_long_feature_name_number_{i}\n" for i in range(1, 101))
    clause = " ".join(str(i) for i in range(1, 101)) + " 0\n"
    with pytest.raises(
        ModelTooLargeError, match=r"m\.cnf:102: clause 1 cannot be written as a rule: its requirement"
    ):
        load_dimacs(f"{names}p cnf 100 1\n{clause}", filename="m.cnf")
