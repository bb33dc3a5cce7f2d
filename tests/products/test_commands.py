from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from products.demo import DEMO_DIR
from products.models import CompileState, Product, ProductVersion
from tests.factories import small_document

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_large_model_is_compiled_by_the_import_command_itself(settings):
    settings.ATELIER_COMPILE_INLINE_BYTES = 0
    run("import_product", str(DEMO_DIR / "custom-shirt.json"), "--publish")
    version = ProductVersion.objects.get(product__code="custom-shirt")
    assert version.compile_state == CompileState.READY
    assert version.product.current_version == version


def test_import_and_export_a_file(tmp_path):
    path = DEMO_DIR / "custom-shirt.json"
    assert run("import_product", str(path), "--publish").startswith(
        "Imported custom-shirt, published as version 1 (compiled in "
    )
    assert json.loads(run("export_product", "custom-shirt")) == json.loads(path.read_text())
    assert json.loads(run("export_product", "custom-shirt", "--product-version", "1")) == json.loads(
        path.read_text()
    )


def test_import_reports_the_json_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "code": "x",\n  "name": }\n')
    with pytest.raises(CommandError, match=r"broken.json:3:11: not valid JSON: Expecting value"):
        run("import_product", str(path))


def test_import_lists_every_problem_and_imports_nothing(tmp_path):
    document = small_document()
    document["option_sets"][0]["code"] = "extras"
    path = tmp_path / "mug.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as caught:
        run("import_product", str(path))
    assert str(caught.value) == (
        f"{path}: nothing was imported:\n"
        "  option_sets[1].code: 'extras' is already used by option_sets[0]\n"
        "  rules[0].when: column 1: unknown option set 'colour'\n"
        "  rules[0].require: column 14: 'not in' needs a multiple choice or a tuple on its right, "
        "not a single choice\n"
        "  tables[0].option_sets[0]: unknown option set 'colour'"
    )
    assert not Product.objects.exists()


def test_missing_file_and_unknown_product_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import_product", str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match=r"No product with code 'nope'\."):
        run("export_product", "nope")


def test_load_demo_is_idempotent():
    first = run("load_demo")
    second = run("load_demo")
    assert "Product city-bike: version 1" in first and "Product city-bike: version 1" in second
    assert "User alice (customer) created" in first and "created" not in second
    assert Product.objects.count() == 3
