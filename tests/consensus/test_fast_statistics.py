"""The set-based statistics a dashboard snapshot runs on a million proposals give the figures
of the item-by-item definitions they replace: leave-one-out, kappa, the bootstrap interval."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.consensus import LabelSchemaSpec, ProposalInput, batch_leave_one_out, leave_one_out
from workflow.consensus.stats import alpha as alpha_module
from workflow.consensus.stats import kappa as kappa_module
from workflow.consensus.stats.alpha import alpha, alpha_of_pairs
from workflow.consensus.stats.dataset import annotator_kappa, schema_alpha
from workflow.consensus.stats.dawid_skene import dawid_skene, fit_dawid_skene
from workflow.consensus.stats.kappa import cohen_kappa, kappa_matrix, kappa_of_cells
from workflow.consensus.stats.ratings import ratings, ratings_of

SPECS = {
    "categorical": LabelSchemaSpec(name="c", value_type="categorical", options=("a", "b", "c")),
    "pass_fail": LabelSchemaSpec(name="p", value_type="pass_fail"),
    "numeric": LabelSchemaSpec(name="n", value_type="numeric", tolerance=1),
    "ordered": LabelSchemaSpec(
        name="o", value_type="categorical", options=("low", "mid", "high"), ordered=True
    ),
}
VALUES = {
    "categorical": st.sampled_from(["a", "b", "c"]),
    "pass_fail": st.booleans(),
    "numeric": st.integers(0, 4) | st.sampled_from([0.5, 2.5]),
    "ordered": st.sampled_from(["low", "mid", "high"]),
}
ANNOTATORS = [f"u{i}" for i in range(6)]


@st.composite
def campaigns(draw, kinds=("categorical", "pass_fail", "numeric")):
    """A schema and items, each labelled by one to five distinct annotators."""
    kind = draw(st.sampled_from(kinds))
    n_items = draw(st.integers(1, 12))
    items = {}
    for i in range(n_items):
        who = draw(st.lists(st.sampled_from(ANNOTATORS), min_size=1, max_size=5, unique=True))
        items[f"i{i:02d}"] = [ProposalInput(a, draw(VALUES[kind])) for a in who]
    return SPECS[kind], items


@settings(max_examples=150, deadline=None)
@given(campaigns(), st.integers(2, 3))
def test_batch_leave_one_out_gives_the_item_by_item_figures(case, min_others):
    spec, items = case
    slow = leave_one_out(spec, items, min_others=min_others)
    fast = batch_leave_one_out(spec, items, min_others=min_others)
    assert fast.keys() == slow.keys()
    for annotator, expected in slow.items():
        got = fast[annotator]
        assert got.n_items == expected.n_items
        assert got.score == pytest.approx(expected.score, abs=1e-12)
        assert got.raw_score == pytest.approx(expected.raw_score, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(campaigns(("categorical", "pass_fail", "ordered")))
def test_kappa_from_pair_counts_equals_kappa_pair_by_pair(case):
    spec, items = case
    rated = ratings(spec, items)
    table = rated.table(rated.identity_codes())
    matrix = kappa_matrix(table, raters=rated.annotators)
    codes = np.where(np.isnan(table), -1, table).astype(np.int64)
    for i, a in enumerate(rated.annotators):
        for j, b in enumerate(rated.annotators):
            shared = int(((codes[i] >= 0) & (codes[j] >= 0)).sum())
            assert matrix.shared_units[i][j] == shared
            if i != j:
                assert matrix.get(a, b) == cohen_kappa(codes[i], codes[j])
    assert annotator_kappa(spec, items) == matrix


def test_kappa_beyond_the_pair_table_takes_the_pass_per_pair(monkeypatch):
    rng = np.random.default_rng(3)
    table = rng.integers(0, 4, (5, 60)).astype(np.float64)
    table[rng.random(table.shape) < 0.3] = np.nan
    counted = kappa_matrix(table)
    monkeypatch.setattr(kappa_module, "PAIR_TABLE_CELLS", 0)
    assert kappa_matrix(table) == counted


def _naive_interval(table, level, rounds, seed):
    """The bootstrap as defined: alpha of each resample of whole units, table copied."""
    codes, metric = alpha_module.encode(table, level)
    units, sizes = alpha_module.compact(codes)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(rounds):
        pick = rng.integers(0, len(sizes), len(sizes))
        value = alpha_module._alpha(units[pick], sizes[pick], metric)[0]
        if value is not None:
            draws.append(value)
    return tuple(np.quantile(draws, [0.025, 0.975]))


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("level", ["nominal", "interval"])
def test_weighted_bootstrap_equals_resampling_the_table(level, dense, monkeypatch):
    if not dense:
        monkeypatch.setattr(alpha_module, "DENSE_CODES", 0)
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 5, 300)
    table = np.where(rng.random((4, 300)) < 0.7, truth, rng.integers(0, 5, (4, 300)))
    table = table.astype(np.float64)
    table[rng.random(table.shape) < 0.2] = np.nan
    result = alpha(table, level, bootstrap=200, seed=5)
    assert result.ci == pytest.approx(_naive_interval(table, level, 200, 5), abs=1e-12)


def test_weighted_bootstrap_of_units_too_varied_to_number_equals_resampling_the_table():
    # 8 raters and ~300 values: a unit's values read as one number would overflow int64,
    # so its kind is found by comparing whole rows.
    rng = np.random.default_rng(7)
    table = rng.integers(0, 300, (8, 120)).astype(np.float64)
    table[rng.random(table.shape) < 0.2] = np.nan
    result = alpha(table, "interval", bootstrap=50, seed=3)
    assert result.ci == pytest.approx(_naive_interval(table, "interval", 50, 3), abs=1e-12)


cells = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 9), st.sampled_from([0.0, 1.0, 2.0, 3.5, 7.0])),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(cells, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]), st.integers(0, 30))
def test_alpha_of_cells_equals_alpha_of_the_table_they_fill(given_cells, level, rounds):
    # Cells in any order, some written twice (the later one stands), some units left empty.
    rater = np.array([c[0] for c in given_cells], dtype=np.int64)
    unit = np.array([c[1] for c in given_cells], dtype=np.int64)
    numbers = np.array([c[2] for c in given_cells], dtype=np.float64)
    table = np.full((5, 10), np.nan)
    table[rater, unit] = numbers
    expected = alpha(table, level, bootstrap=rounds, seed=4)
    assert alpha_of_pairs(rater, unit, numbers, 10, level, bootstrap=rounds, seed=4) == expected


@pytest.mark.parametrize("pair_table", [True, False])
@settings(max_examples=200, deadline=None)
@given(given_cells=cells)
def test_kappa_of_cells_equals_kappa_of_the_table_they_fill(given_cells, pair_table):
    rater = np.array([c[0] for c in given_cells], dtype=np.int64)
    unit = np.array([c[1] for c in given_cells], dtype=np.int64)
    numbers = np.array([c[2] for c in given_cells], dtype=np.float64)
    table = np.full((5, 10), np.nan)
    table[rater, unit] = numbers
    names = [f"r{i}" for i in range(5)]
    with pytest.MonkeyPatch.context() as patch:
        if not pair_table:
            patch.setattr(kappa_module, "PAIR_TABLE_CELLS", 0)
        assert kappa_of_cells(rater, unit, numbers, names) == kappa_matrix(table, raters=names)


@settings(max_examples=100, deadline=None)
@given(campaigns(("categorical", "pass_fail", "numeric", "ordered")))
def test_schema_alpha_equals_alpha_of_the_raters_by_units_table(case):
    spec, items = case
    units = sorted(items)
    annotators = sorted({p.annotator_id for props in items.values() for p in props})
    table = [[None] * len(units) for _ in annotators]
    for u, unit in enumerate(units):
        for p in items[unit]:
            value = spec.validate(p.value)
            if spec.ordered:
                value = spec.options.index(value)
            table[annotators.index(p.annotator_id)][u] = value
    level = {"numeric": "interval"}.get(spec.value_type.value, "nominal")
    expected = alpha(table, "ordinal" if spec.ordered else level)
    got = schema_alpha(spec, items)[""]
    assert (got.value is None) == (expected.value is None)
    if expected.value is not None:
        assert got.value == pytest.approx(expected.value, abs=1e-12)
    assert got.undefined_reason == expected.undefined_reason
    assert got.n_pairable_values == expected.n_pairable_values


def test_ratings_from_rows_fit_dawid_skene_as_from_items():
    spec = SPECS["categorical"]
    rng = np.random.default_rng(2)
    rows = [
        (f"i{i:03d}", f"u{a}", "abc"[int(rng.integers(3))])
        for i in range(80)
        for a in rng.choice(5, 3, replace=False)
    ]
    items: dict[str, list[ProposalInput]] = {}
    for unit, annotator, value in rows:
        items.setdefault(unit, []).append(ProposalInput(annotator, value))
    from_rows = fit_dawid_skene(spec, ratings_of(spec, reversed(rows)))
    from_items = dawid_skene(spec, items)
    assert from_rows.labels == from_items.labels
    assert from_rows.accuracy() == pytest.approx(from_items.accuracy())
