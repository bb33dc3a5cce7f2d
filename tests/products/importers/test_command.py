from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from products.importers import ModelFileError, detect_format
from products.models import Product
from tests.requirements import require_uvlparser, shared_benchmark

from .test_featureide import MODEL as FEATUREIDE_MODEL
from .test_sxfm import MODEL as SXFM_MODEL
from .test_xcsp import MODEL as XCSP_MODEL

UVL_MODEL = "features\n    Mug\n        alternative\n            Small\n            Large {Price 2}\n"
DIMACS_MODEL = "c 1 Mug\nc 2 Lid\np cnf 2 2\n1 0\n-2 1 0\n"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("name", "text", "format", "code"),
    [
        ("mug.uvl", UVL_MODEL, "uvl", "mug"),
        ("desk.xml", FEATUREIDE_MODEL, "featureide", "desk"),
        ("printer.sxfm", SXFM_MODEL, "sxfm", "printer"),
        ("mug.cnf", DIMACS_MODEL, "dimacs", "mug"),
        ("net.xml", XCSP_MODEL, "xcsp", "net"),
    ],
)
@pytest.mark.django_db
def test_each_format_is_detected_and_imported(tmp_path, name, text, format, code):
    if format == "uvl":
        require_uvlparser()
    path = tmp_path / name
    path.write_text(text)
    assert detect_format(str(path)) == format
    out, _ = run("import_product", str(path), "--publish")
    assert out.startswith(f"Read {name} ({format}): ")
    assert f"Imported {code}, published as version 1 (compiled in " in out
    product = Product.objects.get(code=code)
    assert product.current_version.document["format"] == "atelier-product/1"


@pytest.mark.django_db
def test_details_from_the_command_line(tmp_path):
    require_uvlparser()
    path = tmp_path / "mug.uvl"
    path.write_text(UVL_MODEL)
    run(
        "import_product",
        str(path),
        "--code",
        "tea-mug",
        "--name",
        "Tea mug",
        "--currency",
        "CHF",
        "--price",
        "12.50",
        "--lead-time-days",
        "3",
    )
    product = Product.objects.get(code="tea-mug")
    assert (product.name, product.currency, product.baseline_price, product.baseline_lead_time_days) == (
        "Tea mug",
        "CHF",
        Decimal("12.50"),
        3,
    )


@pytest.mark.django_db
def test_the_format_option_overrides_the_extension(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text(DIMACS_MODEL)
    with pytest.raises(CommandError, match=r"model\.txt: unknown extension '\.txt'"):
        run("import_product", str(path))
    out, _ = run("import_product", str(path), "--format", "dimacs", "--flat")
    assert "Imported model (draft)." in out
    assert Product.objects.get(code="model").rules.count() == 2


@pytest.mark.django_db
def test_errors_name_the_file_and_line_and_nothing_is_imported(tmp_path):
    path = tmp_path / "bad.cnf"
    path.write_text("p cnf 2 1\n1 3 0\n")
    with pytest.raises(CommandError) as caught:
        run("import_product", str(path))
    assert str(caught.value) == "bad.cnf:2: literal 3: there are only 2 variables"
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_dry_run_checks_without_importing(tmp_path):
    path = tmp_path / "mug.cnf"
    path.write_text(DIMACS_MODEL)
    out, _ = run("import_product", str(path), "--dry-run")
    assert out.endswith("mug is valid; nothing was imported.\n")
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_warnings_go_to_stderr(tmp_path):
    path = tmp_path / "twice.cnf"
    path.write_text("c 1 A\nc 2 A\np cnf 2 0\n")
    _, err = run("import_product", str(path), "--dry-run")
    assert err == "warning: variable 2: the name 'A' is used twice; called A (2)\n"


@pytest.mark.django_db
def test_a_json_document_still_imports_as_before(tmp_path):
    from tests.factories import small_document

    path = tmp_path / "mug.json"
    path.write_text(json.dumps(small_document()))
    out, _ = run("import_product", str(path))
    assert out == "Imported mug (draft).\n"


def test_an_xml_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<?xml version='1.0'?>\n<!-- a comment -->\n<svg/>")
    with pytest.raises(
        ModelFileError,
        match=r"other\.xml: cannot tell the format of this XML file from its root "
        r"element <svg>",
    ):
        detect_format(str(path))


@pytest.mark.django_db
def test_the_pc_model_imports_with_its_prices():
    out, _ = run(
        "import_product", str(shared_benchmark("pc/pc_richmond_Sprey2020.xml")), "--code", "pc", "--publish"
    )
    assert "Imported pc, published as version 1 (compiled in " in out
    product = Product.objects.get(code="pc")
    assert product.baseline_price == Decimal("841.90")
    option = product.option_sets.get(code="Intel_Core_i5").options.get(code="i5_7400_Kaby_Lake")
    assert option.price_delta == Decimal("72.00")


@pytest.mark.django_db
def test_xcsp_value_names_from_a_folder_or_none(tmp_path):
    names = tmp_path / "names"
    names.mkdir()
    (names / "r.pm").write_text(
        "or(\nVar1 = C  and Var2 = N\nVar1 = A  and Var2 = Y\nVar1 = B  and Var3 = Z\nor)\n"
    )
    (names / "s.pm").write_text("or(\nVar3 = X  and Var3 = Y\nor)\n")
    path = tmp_path / "net.xml"
    path.write_text(XCSP_MODEL)
    run("import_product", str(path), "--names", str(names))
    options = Product.objects.get(code="net").option_sets.get(code="Var1").options.order_by("position")
    assert [option.code for option in options] == ["A", "B", "C"]
    run("import_product", str(path), "--no-names", "--code", "net-plain")
    options = Product.objects.get(code="net-plain").option_sets.get(code="Var1").options.order_by("position")
    assert [option.code for option in options] == ["0", "1", "2"]
