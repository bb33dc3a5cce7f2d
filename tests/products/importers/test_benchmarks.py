"""Every shared model with a reference figure in ../shared/benchmarks/README.md: the imported
product has exactly the README's number of valid configurations (counted over all features / CNF
variables / CSP variables), and its dead and core features are the README's, checked again against
one SAT call per variable on the model's own CNF."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pysat.formula import CNF

from products.importers import load_model
from products.importers.dimacs import parse_dimacs
from products.importers.featureide import parse_featureide
from products.importers.sxfm import parse_sxfm
from products.importers.uvl import parse_uvl
from tests.requirements import require_uvlparser, shared_benchmark

from .helpers import compiled, engine_dead_core, feature_model_cnf, sat_dead_core

# The README's figures (all "computed"; see its "How the reference figures were obtained").
#
# automotive01.uvl: the README's digits (215 of them, 5.434 x 10^214) contradict its own
# "(5.434 x 10^217)": one ",000" group is missing from the digit string. The count is 1000 times
# those digits, which is what the README's scientific figure says and what an independent count
# (Ganak on feature_model_cnf, test_independent_count_of_automotive01_uvl) gives.
AUTOMOTIVE01_UVL_README_DIGITS = int(
    "5433795388952664479743635730478350023447355620301246998170579407041960937606688301986385868155604797"
    "1579366711252721976681982553481954710208375451836305175948768348959659511355551303323044387225600000"
    "000000000000000"
)

AUTOMOTIVE01_UVL = AUTOMOTIVE01_UVL_README_DIGITS * 1000

AUTOMOTIVE01_DIMACS = int(
    "5278539219821314670274577698978249614226329764180035258768650428139431316943478950493164460261562310"
    "2155351344115499612611826546289443932351997021918469140479290882354906942387447993571737600000000000"
    "00000000000"
)

AUTOMOTIVE02_V1_DIMACS = int(
    "4708174165077472932361825454061708418733765087022208250272164100030554868873304582522348781835755186"
    "7344874330634642220745779231556858828775080486380899023113387188655825599466777515867547777133340606"
    "2702888500205727397593369088727208922124064617567946601855874216081640515884693807921788088088665348"
    "6755472935055305079364446078388009117784939058417059164714258462885762670734753331762602688405876617"
    "0143874377760679110541205490184813165952855235925756364682059079663971494280877230702441937720409373"
    "4436920597960218901706547304913898078212708651968122609178450099019498971546286644226641576197713589"
    "8593311700480169992948188186987550499175177229368698373202401381210699935359280726229102128628613419"
    "6084439879235179524278994196848038034207157064458267541078845792892134775310173596256307099411955221"
    "4184720750338110917205639214965849634819767684969710343767831274361767850361111671162116139038439930"
    "7774876990788368247227256891960256114576012912403722979233374603732782000868735341252768220975114269"
    "6797113107464520201314603802027968759715656334024374775668375783814320820252976510003729556809271433"
    "3227805057877582354048179463187329656486589369861406520597096192289013760000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000"
)


@dataclass(frozen=True)
class Reference:
    path: str
    count: int
    core: int
    dead: int
    #: counting takes minutes: marked slow
    slow_count: bool = False
    #: the independent per-variable SAT check takes more than a few seconds: marked slow
    slow_sat: bool = False

    @property
    def id(self) -> str:
        return self.path.split("/")[-1]


REFERENCES = [
    Reference("uvl_small/ecommerce.uvl", 816, 12, 0),
    Reference("uvl_small/xiaomi-band-8.uvl", 21, 12, 0),
    Reference("uvl_small/smart-watch.uvl", 54, 3, 0),
    Reference("uvl_small/dm_mobile_phone.csv.uvl", 95, 1, 0),
    Reference("uvl_small/berkeleydb.uvl", 4_080_389_785, 1, 0),
    Reference("automotive/automotive01.uvl", AUTOMOTIVE01_UVL, 94, 185),
    Reference("automotive/automotive01_Kowal2016.dimacs", AUTOMOTIVE01_DIMACS, 100, 195),
    Reference(
        "automotive/automotive02_v1_Knueppel2017-2_1.dimacs",
        AUTOMOTIVE02_V1_DIMACS,
        1394,
        8,
        slow_count=True,
        slow_sat=True,
    ),
    Reference("pc/pc_richmond_Sprey2020.xml", 3_326_549_945_784_326_553_600, 9, 0),
    Reference("pc/pc_richmond_Sprey2020.dimacs", 3_326_549_945_784_326_553_600, 9, 0),
    Reference("laptop/DELL.splx", 2_319, 8, 0),
    Reference("printer/printers.sxfm", 1_139_120_554_181_660_919_987_300_000, 50, 0),
    Reference("printer/printers_Mendonca2009.dimacs", 2_278_241_108_363_321_839_974_600_000, 49, 0),
]

_IMPORTED: dict[str, object] = {}


def imported(reference: Reference):
    """Each model is imported once per test session (the automotive models take seconds)."""
    if reference.path.endswith(".uvl"):
        require_uvlparser()
    if reference.path not in _IMPORTED:
        _IMPORTED[reference.path] = load_model(shared_benchmark(reference.path))
    return _IMPORTED[reference.path]


def _params(slow_attribute: str):
    return [
        pytest.param(
            reference, id=reference.id, marks=[pytest.mark.slow] if getattr(reference, slow_attribute) else []
        )
        for reference in REFERENCES
    ]


@pytest.mark.parametrize("reference", _params("slow_count"))
def test_count_equals_the_reference(reference):
    from configurator.engine import count_configurations

    result = count_configurations(compiled(imported(reference)))
    assert result.exact
    assert result.value == reference.count


@pytest.mark.parametrize("reference", _params("slow_sat"))
def test_dead_and_core_features_match_the_reference_and_an_independent_sat_check(reference):
    model = imported(reference)
    core, dead = engine_dead_core(model)
    assert (len(core), len(dead)) == (reference.core, reference.dead)
    path = shared_benchmark(reference.path)
    if path.suffix == ".dimacs":
        cnf = CNF(from_file=str(path))  # PySAT's own reader: independent of ours
        names = parse_dimacs(path.read_text(), path.name).names
        reference_core, reference_dead = sat_dead_core(
            cnf.nv, cnf.clauses, {var: names.get(var, f"x{var}") for var in range(1, cnf.nv + 1)}
        )
    else:
        parse = {".uvl": parse_uvl, ".xml": parse_featureide, ".splx": parse_sxfm, ".sxfm": parse_sxfm}[
            path.suffix
        ]
        feature_model = parse(path.read_bytes() if path.suffix != ".uvl" else path.read_text(), path.name)
        reference_core, reference_dead = sat_dead_core(*feature_model_cnf(feature_model))
    assert core == reference_core
    assert dead == reference_dead


def test_the_two_automotive01_copies_differ_as_the_readme_explains():
    """Note A1: the UVL file writes FeatureIDE's single-child groups as optional groups, so it has
    more configurations than the DIMACS copy; both counts are the README's (above)."""
    assert AUTOMOTIVE01_UVL > AUTOMOTIVE01_DIMACS
    assert (str(AUTOMOTIVE01_UVL)[:4], len(str(AUTOMOTIVE01_UVL)) - 1) == ("5433", 217)  # 5.434 x 10^217
    assert (str(AUTOMOTIVE01_DIMACS)[:4], len(str(AUTOMOTIVE01_DIMACS)) - 1) == ("5278", 210)


@pytest.mark.slow
def test_independent_count_of_automotive01_uvl(uvlparser):
    """The feature model's own CNF (not our product mapping), counted with Ganak projected on the
    features: the same number as the imported product."""
    import pyganak

    path = shared_benchmark("automotive/automotive01.uvl")
    nvars, clauses, names = feature_model_cnf(parse_uvl(path.read_text(), path.name))
    counter = pyganak.Counter()
    counter.new_vars(nvars)
    counter.add_clauses(clauses)
    counter.set_sampling_set(sorted(names))
    assert int(counter.count()) == AUTOMOTIVE01_UVL


# -- Renault Megane (XCSP 2.1 with the CLib value names) ----------------------------------------

RENAULT_COUNT = 2_835_456_006_272
RENAULT_DEAD = {("Var8", "CPLG"), ("Var55", "CRIT2RHENF"), ("Var80", "CRIT4X25KI"), ("Var100", "CRIT731")}


@pytest.fixture(scope="module")
def renault():
    model = load_model(shared_benchmark("renault/megane.xml"))
    return model, compiled(model)


def test_renault_count_equals_the_reference(renault):
    from configurator.engine import count_configurations

    _, compiled_model = renault
    result = count_configurations(compiled_model)
    assert (result.value, result.exact) == (RENAULT_COUNT, True)


def test_renault_dead_values_and_forced_variables_are_the_readmes(renault):
    from configurator.engine import Configurator

    model, compiled_model = renault
    guidance = Configurator(compiled_model).guide({}, explain=False)
    dead = {(s.code, v.value) for s in guidance.option_sets for v in s.values if not v.selectable}
    assert dead == RENAULT_DEAD
    forced = {s.code: s.implied for s in guidance.option_sets if s.implied is not None}
    assert len(forced) == 7
    assert forced["Var8"] == "CPLN"
    assert sum(len(options) == 1 for _, options in model.variables.values()) == 6


@pytest.mark.parametrize("number", [2, 8, 57, 113])
def test_renault_tables_are_the_clib_rule_files_once_names_are_joined(renault, number):
    """File N of pm/ is constraint C(N-1) of megane.xml (README note R2): same allowed tuples."""
    model, _ = renault
    path = shared_benchmark(f"renault/pm/renault_rule{number:03d}.pm")
    rows = set()
    columns = None
    for line in path.read_text().splitlines():
        if line.strip() in ("or(", "or)", ""):
            continue
        terms = [term.split("=") for term in line.split("  and ")]
        names = tuple(f"Var{variable.strip()[3:]}" for variable, _ in terms)
        columns = columns or names
        rows.add(tuple(value.strip() for _, value in terms))
    table = next(table for table in model.document["tables"] if table["code"] == f"C{number - 1}")
    order = [table["option_sets"].index(code) for code in columns]
    assert {tuple(row[i] for i in order) for row in table["rows"]} == rows


def test_renault_without_names_is_the_same_model_with_numbers(renault):
    named, _ = renault
    numbered = load_model(shared_benchmark("renault/megane.xml"), find_names=False)
    assert numbered.variables["8"] == ("Var8", ("0", "1"))
    index = {
        (code, option): str(position)
        for code, options in named.variables.values()
        for position, option in enumerate(options)
    }
    for table, plain in zip(named.document["tables"], numbered.document["tables"], strict=True):
        assert table["option_sets"] == plain["option_sets"]
        columns = table["option_sets"]
        renamed = [
            [index[(code, cell)] for code, cell in zip(columns, row, strict=True)] for row in table["rows"]
        ]
        assert sorted(renamed) == sorted(plain["rows"])


# -- automotive02 v4 (UVL, no reference count) ---------------------------------------------------


@pytest.mark.slow
def test_automotive02_v4_imports_and_its_dead_and_core_features_agree_with_sat(uvlparser):
    path = shared_benchmark("automotive/automotive02_v4.uvl")
    model = load_model(path)
    core, dead = engine_dead_core(model)
    reference_core, reference_dead = sat_dead_core(*feature_model_cnf(parse_uvl(path.read_text(), path.name)))
    assert (core, dead) == (reference_core, reference_dead)
    assert len(model.features) == 18_616
