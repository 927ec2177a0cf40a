"""Untrusted input never crashes the pipeline: every problem becomes a diagnostic."""
import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from scoring.importers.export import dump_yaml
from scoring.diagnostics import Diagnostics
from scoring.pipeline import Pipeline
from scoring.yamlload import load_file, load_text

PIPELINE = Pipeline()
BASES = {p.name: load_file(p, Diagnostics()).data for p in sorted(EXAMPLES.glob("*.yaml"))}

scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6, places=3),
    st.sampled_from(["≥11台", "≤0", "→100%", "0", "-5", "1e999", "约七台", "[0, 1)", "达成预期指标", "2021年13月",
                     "2021年12月31日前", "全部", "①③", "__import__('os')", "", "五", "100%", "abc", "0.0000001"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, prefix + (index,))


def _mutated(base, data, value):
    """A copy of `base` with one randomly chosen place replaced by `value`."""
    doc = copy.deepcopy(base)
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc




def _plain(data):
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)), st.data(), values)
def test_mutated_examples_never_crash(tmp_path_factory, name, data, value):
    doc = _mutated(BASES[name], data, value)
    target = tmp_path_factory.mktemp("m") / "sub.yaml"
    target.write_text(dump_yaml(_plain(doc)), encoding="utf-8")
    outcome = PIPELINE.run(target)
    assert outcome.result is not None or outcome.has_errors
    for diag in outcome.diagnostics:
        assert diag.message and diag.code


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_loader(text):
    diags = Diagnostics()
    doc = load_text(text, "x.yaml", diags)
    assert doc is not None or len(diags) > 0


SETS_DIR = EXAMPLES.parent / "indicator_sets"
SET_BASES = {p.name: load_file(p, Diagnostics()).data for p in sorted(SETS_DIR.glob("*.yaml"))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SET_BASES)), st.data(), values)
def test_mutated_sets_never_crash(tmp_path_factory, name, data, value):
    from scoring.lint import lint_file

    doc = _mutated(SET_BASES[name], data, value)
    folder = tmp_path_factory.mktemp("s")
    for other, content in SET_BASES.items():  # keep bases reachable for `extends`
        (folder / other).write_text(dump_yaml(_plain(content)), encoding="utf-8")
    target = folder / name
    target.write_text(dump_yaml(_plain(doc)), encoding="utf-8")
    outcome = lint_file(target, [folder])
    assert outcome.set is not None or outcome.has_errors
    # Scoring a real table against the mutated set must not crash either.
    set_id = name[: -len(".yaml")]
    for example, content in BASES.items():
        if content.get("set") == set_id:
            scored = Pipeline([folder]).run(EXAMPLES / example)
            assert scored.result is not None or scored.has_errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASES)), st.data(), values)
def test_mutated_examples_render_or_say_why(tmp_path_factory, name, data, value):
    from scoring.render.output import render_bytes
    from scoring.render.view import RenderError

    doc = _mutated(BASES[name], data, value)
    target = tmp_path_factory.mktemp("r") / "sub.yaml"
    target.write_text(dump_yaml(_plain(doc)), encoding="utf-8")
    outcome = PIPELINE.run(target)
    for fmt in ("md", "html", "xlsx", "docx"):
        try:
            assert render_bytes(outcome, fmt)
        except RenderError as exc:
            assert outcome.result is None and str(exc)
