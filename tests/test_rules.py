"""Tests for the rule kinds: data-driven cases in tests/cases/*.yaml, explicit checks, and properties.

Case files (one per rule kind, `tests/cases/<kind>.yaml`, and one per class of written value,
`tests/cases/values/<class>.yaml`) are meant to be extended by people who know the tables, not the code.  Each file has `kind`, optional named `rules` and a list of `cases`:

    kind: proportional
    rules:                      # optional: rules used by several cases, referred to by name
      执行率20分: {kind: formula, formula: "20 * min(执行数 / 预算数, 1)"}
    cases:
      - name: 未完成按比例          # required, unique within the file
        rule: {kind: proportional}  # the rule as an indicator set writes it, or the name of one in `rules`
        weight: 5                   # 分值
        target: ≥11台               # 年度指标值 (optional)
        actual: 7台                 # 实际完成值 (optional; a list for checklists)
        sign: 正向                  # optional separate 指标性质 column
        unit: 台                    # optional separate 度量单位 column
        given: 3.5                  # optional evaluator's score (自评得分)
        grade: 部分达成并具有一定效果  # optional qualitative grade
        inputs: {违规次数: 3}        # optional formula inputs
        budget: {执行数: 160, 预算数: 256}   # optional budget figures (formula, budget_execution)
        deviation: {over_achievement_ratio: 1.3, over_achievement_reduction: 0.2}   # optional
        precision: 2                # decimals for rounding (ROUND_HALF_UP), default 2
        year: 2023                  # the table's year, for dates written without one
        # expectations -- exactly one of expect_score / expect_none, or neither for a lint-only case:
        expect_score: "3.18"        # the score rounded at `precision`
        expect_none: true           # the rule cannot score this row
        expect_codes: [V501]        # diagnostic codes emitted while scoring, in order (default: none)
        expect_explain_contains: "7/11×5"   # text (or list of texts) in the explanation
        expect_flags: [over_target] # exact flags
        expect_met: false           # 完成/未完成 verdict
        expect_from_given: true     # the score is the evaluator's
        expect_lint_codes: [W403]   # codes from the static check of the rule against the weight (default: none)
        expect_lint_contains: "…"   # text in the lint messages
        expect_build_codes: [R304]  # the rule's parameters are invalid: build fails with these codes
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.diagnostics import CODES, Diagnostics, Where
from scoring.model import DeviationSpec, RuleSpec
from scoring.numbers import quantize
from scoring.rules import REGISTRY, RowContext, build, describe_kinds
from scoring.values import parse_value
from scoring.yamlload import load_file

D = Decimal
CASES_DIR = Path(__file__).resolve().parent / "cases"

CASE_KEYS = {
    "name", "rule", "weight", "target", "actual", "sign", "unit", "given", "grade", "inputs", "budget",
    "deviation", "precision", "note", "year",
    "expect_score", "expect_none", "expect_codes", "expect_explain_contains", "expect_flags", "expect_met",
    "expect_from_given", "expect_lint_codes", "expect_lint_contains", "expect_build_codes",
}
FILE_KEYS = {"kind", "rules", "cases"}


# --- loading the case files ---------------------------------------------------------------------

def load_case_files(folder: Path = CASES_DIR) -> dict[str, dict]:
    files = {}
    for path in sorted(folder.glob("*.yaml")):
        diags = Diagnostics()
        doc = load_file(path, diags)
        errors = [d.format() for d in diags if d.severity == "error"]
        if doc is None or errors:
            raise AssertionError(f"{path.name} cannot be loaded: {errors}")
        files[path.name] = doc.data
    return files


CASE_FILES = load_case_files()
# One file per class of written value (dates, hedges, units...), each with the rule kind it exercises.
VALUE_CASE_FILES = {f"values/{name}": data for name, data in load_case_files(CASES_DIR / "values").items()}
ALL_CASE_FILES = {**CASE_FILES, **VALUE_CASE_FILES}


def all_cases():
    for file_name, data in ALL_CASE_FILES.items():
        for index, case in enumerate(data.get("cases") or []):
            yield pytest.param(file_name, case, id=f"{file_name[:-5]}:{case.get('name', index)}")


def resolve_rule(data: dict, case: dict) -> dict:
    rule = case["rule"]
    if isinstance(rule, str):
        named = data.get("rules") or {}
        assert rule in named, f"rule 「{rule}」 is not defined in `rules`; defined: {sorted(named)}"
        rule = named[rule]
    assert isinstance(rule, dict) and "kind" in rule, f"rule must be a mapping with kind: {rule!r}"
    return rule


def as_decimal(value) -> Decimal | None:
    if value is None:
        return None
    assert not isinstance(value, (bool, float)), value
    return value if isinstance(value, Decimal) else D(str(value))


def make_context(case: dict, diags: Diagnostics) -> RowContext:
    deviation = DeviationSpec()
    for key, value in (case.get("deviation") or {}).items():
        assert hasattr(deviation, key), f"unknown deviation setting {key}"
        setattr(deviation, key, as_decimal(value) if value is not None else None)
    actual_raw = case.get("actual")
    year = int(case["year"]) if case.get("year") is not None else None
    return RowContext(
        name=case["name"],
        weight=as_decimal(case["weight"]),
        target=parse_value(case.get("target"), sign=case.get("sign"), unit=case.get("unit"), year=year),
        actual=parse_value(None if isinstance(actual_raw, list) else actual_raw, sign=None, unit=case.get("unit"),
                           year=year),
        diags=diags,
        where=lambda f: Where(),
        precision=int(case.get("precision", 2)),
        deviation=deviation,
        actual_raw=actual_raw,
        given=as_decimal(case.get("given")),
        grade=case.get("grade"),
        inputs={k: as_decimal(v) for k, v in (case.get("inputs") or {}).items()},
        budget={k: as_decimal(v) for k, v in (case.get("budget") or {}).items()},
    )


def listify(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- the case files themselves ---------------------------------------------------------------------

def test_every_registered_kind_has_a_case_file():
    kinds = {data["kind"] for data in CASE_FILES.values()}
    assert kinds == set(REGISTRY)
    for name, data in CASE_FILES.items():
        assert name == f"{data['kind']}.yaml"


@pytest.mark.parametrize("file_name", sorted(ALL_CASE_FILES))
def test_case_file_is_well_formed(file_name):
    data = ALL_CASE_FILES[file_name]
    assert set(data) <= FILE_KEYS, set(data) - FILE_KEYS
    assert data["kind"] in REGISTRY
    cases = data["cases"]
    assert len(cases) >= 2
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    scored = 0
    for case in cases:
        assert set(case) <= CASE_KEYS, f"{case['name']}: unknown keys {set(case) - CASE_KEYS}"
        assert resolve_rule(data, case)["kind"] == data["kind"], case["name"]
        assert not ("expect_score" in case and case.get("expect_none")), case["name"]
        if "expect_build_codes" not in case:
            assert "weight" in case, f"{case['name']}: weight is required"
            assert "expect_score" in case or "expect_none" in case or "expect_lint_codes" in case, case["name"]
        for code in listify(case.get("expect_codes")) + listify(case.get("expect_lint_codes")) + \
                listify(case.get("expect_build_codes")):
            assert code in CODES, f"{case['name']}: unknown code {code}"
        scored += "expect_score" in case
    if data["kind"] != "not_applicable":  # the one kind that never scores
        assert scored >= 1, "each kind needs at least one case with a score"


@pytest.mark.parametrize("file_name, case", list(all_cases()))
def test_case(file_name, case):
    data = ALL_CASE_FILES[file_name]
    params = resolve_rule(data, case)
    build_diags = Diagnostics()
    rule = build(RuleSpec(params["kind"], params), build_diags)
    build_codes = [d.code for d in build_diags]
    if "expect_build_codes" in case:
        assert rule is None
        assert build_codes == case["expect_build_codes"], [d.message for d in build_diags]
        return
    assert rule is not None and build_codes == [], [d.message for d in build_diags]
    weight = as_decimal(case["weight"])

    lint_diags = Diagnostics()
    rule.lint(weight, lint_diags, Where())
    assert [d.code for d in lint_diags] == listify(case.get("expect_lint_codes")), [d.message for d in lint_diags]
    for text in listify(case.get("expect_lint_contains")):
        assert any(text in d.message for d in lint_diags), ([d.message for d in lint_diags], text)
    if "expect_score" not in case and not case.get("expect_none"):
        return  # a lint-only case

    diags = Diagnostics()
    ctx = make_context(case, diags)
    outcome = rule.score(ctx)
    assert [d.code for d in diags] == listify(case.get("expect_codes")), [d.message for d in diags]
    if case.get("expect_none"):
        assert outcome.score is None, outcome
    else:
        assert outcome.score is not None, (outcome.explain, [d.message for d in diags])
        assert type(outcome.score) is Decimal
        rounded = quantize(outcome.score, ctx.precision)
        assert rounded == as_decimal(case["expect_score"]), outcome.explain
        if not outcome.from_given:
            assert D(0) <= outcome.score <= weight, outcome.explain
    for text in listify(case.get("expect_explain_contains")):
        assert text in outcome.explain, (outcome.explain, text)
    if "expect_flags" in case:
        assert outcome.flags == case["expect_flags"], outcome.flags
    if "expect_met" in case:
        assert outcome.met is case["expect_met"], outcome
    if "expect_from_given" in case:
        assert outcome.from_given is case["expect_from_given"]
    assert isinstance(outcome.explain, str) and outcome.explain


# --- explicit checks ---------------------------------------------------------------------------------

def codes_of_build(kind, params):
    diags = Diagnostics()
    rule = build(RuleSpec(kind, {"kind": kind, **params}), diags)
    return rule, [d.code for d in diags], [d.message for d in diags]


def test_unknown_kind_is_r303():
    rule, codes, messages = codes_of_build("按比例", {})
    assert rule is None
    assert codes == ["R303"]
    assert "按比例" in messages[0]


def test_bad_interval_is_r304():
    rule, codes, messages = codes_of_build("tiers", {"tiers": [{"range": "80%-90%", "points": D(4)}]})
    assert rule is None
    assert codes == ["R304"]
    assert "80%-90%" in messages[0]


def test_formula_unknown_name_is_f002():
    rule, codes, messages = codes_of_build("formula", {"formula": "20 * 执行数 / 总预算"})
    assert rule is None
    assert codes == ["F002"]
    assert "总预算" in messages[0]


def test_formula_import_is_f004():
    rule, codes, _ = codes_of_build("formula", {"formula": "__import__('os').system('true')"})
    assert rule is None
    assert codes == ["F004"]


def test_formula_declared_input_is_allowed():
    rule, codes, _ = codes_of_build("formula", {"formula": "分值 - 违规次数", "inputs": ["违规次数"]})
    assert rule is not None and codes == []


def lint_codes(kind, params, weight):
    rule, codes, _ = codes_of_build(kind, params)
    assert rule is not None, codes
    diags = Diagnostics()
    rule.lint(weight, diags, Where())
    return [d.code for d in diags], [d.message for d in diags]


def tiers_params(*ranges, points=None, domain=None):
    points = points or [D(1)] * len(ranges)
    params = {"tiers": [{"range": r, "points": p} for r, p in zip(ranges, points)]}
    if domain:
        params["domain"] = domain
    return params


def test_lint_tiers_gap_w403():
    codes, messages = lint_codes("tiers", tiers_params("[90%, +∞)", "[80%, 85%)"), D(5))
    assert codes == ["W403"]
    assert "[85%, 90%)" in messages[0]


def test_lint_tiers_overlap_w404():
    codes, messages = lint_codes("tiers", tiers_params("[90%, +∞)", "[80%, 90%]"), D(5))
    assert codes == ["W404"]
    assert "90%" in messages[0]


def test_lint_tiers_order_does_not_matter():
    ordered = lint_codes("tiers", tiers_params("(-∞, 60%)", "[60%, 90%)", "[90%, +∞)"), D(5))
    shuffled = lint_codes("tiers", tiers_params("[90%, +∞)", "(-∞, 60%)", "[60%, 90%)"), D(5))
    assert ordered == shuffled == ([], [])


def test_lint_tiers_points_above_weight_w406():
    codes, messages = lint_codes("tiers", tiers_params("[90%, +∞)", "(-∞, 90%)", points=[D(6), D(0)]), D(5))
    assert codes == ["W406"]
    assert messages == ["某一档（或选项）的得分 6 超过分值 5"]


def test_lint_tiers_without_weight_skips_w406():
    codes, _ = lint_codes("tiers", tiers_params("[90%, +∞)", "(-∞, 90%)", points=[D(6), D(0)]), None)
    assert codes == []


def test_lint_checklist_sum_w405():
    params = {"items": [{"name": "甲", "points": D(1)}, {"name": "乙", "points": D("0.5")}]}
    codes, messages = lint_codes("checklist", params, D(2))
    assert codes == ["W405"]
    assert messages == ["要素法各要素分值合计 1.5，与分值 2 不一致"]
    assert lint_codes("checklist", params, D("1.5")) == ([], [])


def test_lint_options_points_above_weight_w406():
    params = {"options": [{"label": "好", "points": D(4)}, {"label": "差", "points": D(0)}]}
    assert lint_codes("options", params, D(3))[0] == ["W406"]
    assert lint_codes("options", params, D(4))[0] == []


def test_every_kind_is_described():
    described = describe_kinds()
    assert [k for k, _, _ in described] == sorted(REGISTRY)
    for kind, title, doc in described:
        assert title, kind
        assert "例" in doc, kind


# --- properties ----------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None)


def make_rule(kind, **params):
    diags = Diagnostics()
    rule = build(RuleSpec(kind, {"kind": kind, **params}), diags)
    assert rule is not None, [d.message for d in diags]
    return rule


def run(rule, weight, target=None, actual=None, actual_raw=None, deviation=None, budget=None, inputs=None):
    diags = Diagnostics()
    ctx = RowContext(name="x", weight=weight, target=parse_value(target), actual=parse_value(actual), diags=diags,
                     where=lambda f: Where(), deviation=deviation or DeviationSpec(),
                     actual_raw=actual if actual_raw is None else actual_raw,
                     budget=budget or {}, inputs=inputs or {})
    return rule.score(ctx)


def text(value: Decimal) -> str:
    return format(value, "f")


weights = st.decimals(min_value=D("0.5"), max_value=D(100), places=1)
positives = st.decimals(min_value=D("0.01"), max_value=D(1000000), places=2)
non_negatives = st.decimals(min_value=D(0), max_value=D(1000000), places=2)
any_amounts = st.decimals(min_value=D(-1000), max_value=D(1000000), places=2)
units = st.sampled_from(["", "台", "%", "万元"])
reductions = st.one_of(st.none(), st.decimals(min_value=D(0), max_value=D(1), places=2))
thresholds = st.one_of(st.none(), st.decimals(min_value=D("1.01"), max_value=D(3), places=2))


def assert_in_range(score, weight):
    assert score is not None
    assert type(score) is Decimal
    assert D(0) <= score <= weight


@SETTINGS
@given(weights, positives, any_amounts, units, reductions, thresholds)
def test_property_proportional_within_weight(w, a, b, unit, reduction, threshold):
    deviation = DeviationSpec(over_achievement_ratio=threshold, over_achievement_reduction=reduction)
    out = run(make_rule("proportional"), w, f"≥{text(a)}{unit}", f"{text(b)}{unit}", deviation=deviation)
    assert_in_range(out.score, w)
    assert ("over_target" in out.flags) == (threshold is not None and b / a >= threshold)


@SETTINGS
@given(weights, positives, any_amounts, any_amounts)
def test_property_proportional_monotone(w, a, b1, b2):
    low, high = sorted([b1, b2])
    rule = make_rule("proportional")
    s_low = run(rule, w, f"≥{text(a)}", text(low)).score
    s_high = run(rule, w, f"≥{text(a)}", text(high)).score
    assert s_low <= s_high


@SETTINGS
@given(weights, positives, non_negatives, st.integers(min_value=0, max_value=6))
def test_property_proportional_exact(w, a, b, places):
    assume(b < a)
    out = run(make_rule("proportional"), w, f"≥{text(a)}万元", f"{text(b)}万元")
    exact = Fraction(w) * Fraction(b) / Fraction(a)
    got = Fraction(out.score)
    assert type(out.score) is Decimal
    assert abs(got - exact) <= exact * Fraction(1, 10 ** 25)  # Decimal's 28 digits, no float anywhere
    denominator = exact.denominator
    for p in (2, 5):
        while denominator % p == 0:
            denominator //= p
    if denominator == 1:  # a terminating decimal must come out exactly
        assert got == exact
    scaled = exact * 10 ** places  # ROUND_HALF_UP of the exact value
    expected = D(int(scaled + Fraction(1, 2))).scaleb(-places)
    assert quantize(out.score, places) == expected


@SETTINGS
@given(weights, non_negatives, any_amounts, st.sampled_from(["ratio", "linear"]))
def test_property_reverse_within_weight(w, a, b, form):
    out = run(make_rule("reverse", form=form), w, f"≤{text(a)}", text(b))
    assert_in_range(out.score, w)


@SETTINGS
@given(weights, non_negatives, any_amounts, any_amounts, st.sampled_from(["ratio", "linear"]))
def test_property_reverse_monotone(w, a, b1, b2, form):
    low, high = sorted([b1, b2])
    rule = make_rule("reverse", form=form)
    assert run(rule, w, f"≤{text(a)}", text(low)).score >= run(rule, w, f"≤{text(a)}", text(high)).score


@SETTINGS
@given(weights, non_negatives, any_amounts, reductions)
def test_property_equal_within_weight(w, a, b, reduction):
    deviation = DeviationSpec(over_achievement_reduction=reduction)
    out = run(make_rule("equal"), w, f"={text(a)}%", f"{text(b)}%", deviation=deviation)
    assert_in_range(out.score, w)
    if a == 0:
        assert out.score == (w if b <= 0 else 0)


@SETTINGS
@given(weights, positives, any_amounts, any_amounts)
def test_property_equal_monotone(w, a, b1, b2):
    low, high = sorted([b1, b2])
    rule = make_rule("equal")
    assert run(rule, w, f"→{text(a)}", text(low)).score <= run(rule, w, f"→{text(a)}", text(high)).score


SIGN_GLYPHS = ["≥", "≧", ">=", "不低于", "", "≤", "≦", "<=", "不超过", "=", "＝", "→", "~", ">", "<"]


@SETTINGS
@given(weights, st.sampled_from(SIGN_GLYPHS), non_negatives, any_amounts, units, st.sampled_from(["ratio", "linear"]))
def test_property_by_sign_within_weight(w, glyph, a, b, unit, form):
    out = run(make_rule("by_sign", form=form), w, f"{glyph}{text(a)}{unit}", f"{text(b)}{unit}")
    assert_in_range(out.score, w)


@SETTINGS
@given(weights, st.sampled_from(["≥", "≧", ">=", "不低于", ""]), positives, any_amounts, any_amounts)
def test_property_by_sign_ge_monotone(w, glyph, a, b1, b2):
    low, high = sorted([b1, b2])
    rule = make_rule("by_sign")
    assert run(rule, w, f"{glyph}{text(a)}", text(low)).score <= run(rule, w, f"{glyph}{text(a)}", text(high)).score


@SETTINGS
@given(weights, st.sampled_from(["≤", "≦", "<=", "不超过"]), non_negatives, any_amounts, any_amounts,
       st.sampled_from(["ratio", "linear"]))
def test_property_by_sign_le_monotone(w, glyph, a, b1, b2, form):
    low, high = sorted([b1, b2])
    rule = make_rule("by_sign", form=form)
    assert run(rule, w, f"{glyph}{text(a)}", text(low)).score >= run(rule, w, f"{glyph}{text(a)}", text(high)).score


@st.composite
def monotone_tiers(draw):
    """Contiguous tiers (-∞, c1) [c1, c2) … [ck, +∞) whose points never decrease."""
    cuts = sorted(set(draw(st.lists(st.decimals(min_value=D(-100), max_value=D(200), places=1),
                                    min_size=1, max_size=6))))
    points = sorted(draw(st.lists(st.decimals(min_value=D(0), max_value=D(12), places=1),
                                  min_size=len(cuts) + 1, max_size=len(cuts) + 1)))
    closed_low = draw(st.booleans())  # [c, …) or (c, …]
    bounds = [None] + cuts + [None]
    tiers = []
    for i, p in enumerate(points):
        low, high = bounds[i], bounds[i + 1]
        left = "(" if low is None or not closed_low else "["
        right = ")" if high is None or closed_low else "]"
        tiers.append({"range": f"{left}{'-∞' if low is None else text(low) + '%'}, "
                               f"{'+∞' if high is None else text(high) + '%'}{right}", "points": p})
    return tiers


@SETTINGS
@given(monotone_tiers(), weights, st.decimals(min_value=D(-150), max_value=D(250), places=2),
       st.decimals(min_value=D(-150), max_value=D(250), places=2))
def test_property_tiers(tiers, w, b1, b2):
    rule = make_rule("tiers", tiers=tiers)
    lint = Diagnostics()
    rule.lint(None, lint, Where())
    assert [d.code for d in lint] == []  # contiguous tiers have neither gaps nor overlaps
    low, high = sorted([b1, b2])
    s_low, s_high = run(rule, w, None, f"{text(low)}%").score, run(rule, w, None, f"{text(high)}%").score
    assert_in_range(s_low, w)
    assert_in_range(s_high, w)
    assert s_low <= s_high


@SETTINGS
@given(weights, st.decimals(min_value=D(0), max_value=D(200), places=1), st.sampled_from(["above", "below"]),
       st.decimals(min_value=D("0.1"), max_value=D(5), places=1), st.decimals(min_value=D("0.5"), max_value=D(10),
                                                                             places=1),
       st.sampled_from(["exact", "ceil", "floor"]), any_amounts, any_amounts)
def test_property_deduct_per_point(w, standard, direction, step, per, count, b1, b2):
    rule = make_rule("deduct_per_point", standard=f"{text(standard)}%", direction=direction, step=step, per=per,
                     count=count)
    low, high = sorted([b1, b2])
    s_low, s_high = run(rule, w, None, f"{text(low)}%").score, run(rule, w, None, f"{text(high)}%").score
    assert_in_range(s_low, w)
    assert_in_range(s_high, w)
    if direction == "above":
        assert s_low >= s_high
    else:
        assert s_low <= s_high


@SETTINGS
@given(weights, st.decimals(min_value=D("0.1"), max_value=D(5), places=1), st.integers(0, 1000),
       st.integers(0, 1000))
def test_property_deduct_per_occurrence(w, step, c1, c2):
    rule = make_rule("deduct_per_occurrence", step=step)
    low, high = sorted([c1, c2])
    s_low, s_high = run(rule, w, None, str(low)).score, run(rule, w, None, f"{high}次").score
    assert_in_range(s_low, w)
    assert_in_range(s_high, w)
    assert s_low >= s_high
    assert s_low == max(D(0), w - step * low)


@st.composite
def checklists(draw):
    points = draw(st.lists(st.decimals(min_value=D(0), max_value=D(5), places=1), min_size=1, max_size=8))
    items = [{"name": f"要素{i}", "points": p} for i, p in enumerate(points, 1)]
    chosen = draw(st.sets(st.integers(1, len(items))))
    extra = draw(st.sets(st.integers(1, len(items))))
    return items, sorted(chosen), sorted(chosen | extra)


@SETTINGS
@given(checklists(), weights, st.sampled_from(["list", "circled", "names"]))
def test_property_checklist(checklist, w, style):
    items, subset, superset = checklist
    rule = make_rule("checklist", items=items)

    def written(indexes):
        if style == "circled":
            return "".join(chr(0x2460 + i - 1) for i in indexes) or "无"
        if style == "names":
            return [items[i - 1]["name"] for i in indexes] or "无"
        return [D(i) for i in indexes] or "无"

    s_sub = run(rule, w, None, None, actual_raw=written(subset)).score
    s_sup = run(rule, w, None, None, actual_raw=written(superset)).score
    assert_in_range(s_sub, w)
    assert_in_range(s_sup, w)
    assert s_sub <= s_sup
    assert s_sub == min(w, sum((items[i - 1]["points"] for i in subset), D(0)))


@SETTINGS
@given(weights, positives, non_negatives, non_negatives, st.decimals(min_value=D("0.1"), max_value=D(1), places=2))
def test_property_budget_execution(w, planned, e1, e2, cap):
    rule = make_rule("budget_execution", cap=cap)
    low, high = sorted([e1, e2])
    s_low = run(rule, w, budget={"预算数": planned, "执行数": low}).score
    s_high = run(rule, w, budget={"预算数": planned, "执行数": high}).score
    assert_in_range(s_low, w)
    assert_in_range(s_high, w)
    assert s_low <= s_high


@SETTINGS
@given(weights, positives, any_amounts)
def test_property_formula_matches_proportional(w, a, b):
    formula = make_rule("formula", formula="分值 * max(min(完成率, 1), 0)")
    proportional = make_rule("proportional")
    f = run(formula, w, f"≥{text(a)}", text(b)).score
    p = run(proportional, w, f"≥{text(a)}", text(b), deviation=DeviationSpec(over_achievement_ratio=None)).score
    assert_in_range(f, w)
    assert quantize(f, 10) == quantize(p, 10)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(REGISTRY)), weights, st.text(max_size=12), st.text(max_size=12))
def test_property_no_kind_raises_on_any_text(kind, w, target, actual):
    params = {
        "tiers": {"tiers": [{"range": "(-∞, 60%)", "points": D(0)}, {"range": "[60%, +∞)", "points": D(1)}]},
        "deduct_per_point": {"standard": "100%", "direction": "above", "step": D(1)},
        "deduct_per_occurrence": {"step": D(1)},
        "checklist": {"items": [{"name": "甲", "points": D(1)}]},
        "options": {"options": [{"label": "甲", "points": D(1)}]},
        "formula": {"formula": "分值 * min(完成率, 1)"},
    }.get(kind, {})
    out = run(make_rule(kind, **params), w, target, actual)
    if out.score is not None:
        assert type(out.score) is Decimal
        if not out.from_given:
            assert D(0) <= out.score <= w


# --- no silent full marks ---------------------------------------------------------------------------

# Words people write as actuals, and any CJK text without digits: none of it proves a number.
WORD_ACTUALS = ["无", "零", "是", "满意", "达成预期指标", "已完成", "完成", "达标", "良好", "按时", "较好", "基本完成",
                "全部完成", "符合要求", "有效", "未发生", "很多", "显著提高"]
CJK_WORDS = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["by_sign", "proportional", "reverse", "equal"]), weights,
       st.sampled_from(["≥", "≤", ">", "<", "=", "→", "不低于", "不超过", ""]),
       st.decimals(min_value=D("0.01"), max_value=D(100000), places=2),
       st.sampled_from(["", "%", "台", "万元", "人次", "次"]),
       st.one_of(st.sampled_from(WORD_ACTUALS), CJK_WORDS))
def test_property_words_never_get_full_marks_against_a_number(kind, w, sign, number, unit, word):
    """A word-only actual against a numeric (non-zero) target is never scored full marks, and says why."""
    diags = Diagnostics()
    target = parse_value(f"{sign}{number}{unit}")
    assume(target.kind == "number" and target.number != 0)
    ctx = RowContext(name="x", weight=w, target=target, actual=parse_value(word), diags=diags, where=lambda f: Where())
    outcome = build(RuleSpec(kind, {"kind": kind}), Diagnostics()).score(ctx)
    assert outcome.score is None or outcome.score < w, (word, outcome.explain)
    assert outcome.met is not True
    assert diags.items, "the row must say why it was not scored"


# --- each kind declares its parameters ----------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_kind_parameters_match_its_schema(kind):
    """A kind's Params (names, which are required, a doc each) and its JSON Schema definition say the same."""
    import json

    from scoring.resources import data_path

    schema = json.loads(data_path("schemas", "indicator-set.schema.json").read_text(encoding="utf-8"))
    definition = schema["$defs"][f"rule_{kind}"]
    declared = REGISTRY[kind].parameters()
    assert {p.name for p in declared} == set(definition.get("properties", {})) - {"kind"}
    assert {p.name for p in declared if p.required} == set(definition.get("required", []))
    assert all(p.doc for p in declared), "every parameter says what it means"
    for p in declared:
        if not p.required and p.default is not None:
            errors = list(__import__("jsonschema").Draft202012Validator(
                {**definition["properties"][p.name], "$defs": schema["$defs"]}).iter_errors(_jsonable(p.default)))
            assert errors == [], f"{kind}.{p.name}: the default does not pass the schema: {errors}"


def _jsonable(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
