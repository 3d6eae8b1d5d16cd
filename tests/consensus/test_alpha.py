"""Krippendorff's alpha: published values, degenerate data, bootstrap, and cross-checks."""

import numpy as np
import pytest

from tests.consensus.crosscheck import nltk_metrics
from workflow.consensus import ConsensusError, alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C.
SECTION_C = """
1 2 3 3 2 1 4 1 2 . . .
1 2 3 3 2 2 4 1 2 5 . 3
. 3 3 3 2 3 4 2 2 5 1 .
1 2 3 3 2 4 4 1 2 5 1 .
"""


def parse(block: str) -> list[list[int | None]]:
    return [
        [None if x == "." else int(x) for x in line.split()] for line in block.strip().splitlines()
    ]


def test_binary_two_coders_section_a():
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert alpha([a, b]).value == pytest.approx(0.095, abs=1e-3)


def test_nominal_two_coders_section_b():
    a = list("aabbdcccedda")
    b = list("babbbccceddd")
    assert alpha([a, b]).value == pytest.approx(0.692, abs=1e-3)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_four_observers_with_missing_section_c(level, expected):
    result = alpha(parse(SECTION_C), level)
    assert result.value == pytest.approx(expected, abs=1e-3)
    # Unit 12 has one value only and drops out.
    assert result.n_pairable_units == 11


def test_numpy_table_with_nan_matches_list_table():
    table = np.array(parse(SECTION_C), dtype=float)
    assert alpha(table, "interval").value == pytest.approx(0.849, abs=1e-3)


def test_every_value_identical_is_undefined_with_reason():
    result = alpha([["x", "x", "x"], ["x", "x", None]])
    assert result.undefined
    assert result.value is None
    assert "expected disagreement is zero" in result.undefined_reason
    assert result.to_dict()["undefined"] is True


def test_nothing_pairable_is_undefined_with_reason():
    result = alpha([[1, None, None], [None, 2, None]], "interval")
    assert result.undefined
    assert "two or more values" in result.undefined_reason
    assert result.n_pairable_units == 0


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    first = alpha(parse(SECTION_C), "interval", bootstrap=300, seed=7)
    again = alpha(parse(SECTION_C), "interval", bootstrap=300, seed=7)
    low, high = first.ci
    assert low <= first.value <= high <= 1.0
    assert first.ci == again.ci
    assert first.to_dict()["ci"] == [low, high]


def test_ordinal_bootstrap_recomputes_ranks_per_resample():
    result = alpha(parse(SECTION_C), "ordinal", bootstrap=100)
    assert result.ci[0] <= result.value <= result.ci[1]


def test_set_levels_and_text_level():
    sets = [[["a", "b"], ["c"], ["d"]], [["a", "b"], ["c", "e"], ["f"]]]
    assert alpha(sets, "jaccard").value == pytest.approx(alpha(sets, "jaccard").value)
    assert alpha(sets, "masi").value < 1
    # Texts equal after normalisation count as one value; texts sharing no character as distinct.
    texts = [["aaa", "Bbb.", "ccc"], ["AAA!", "bbb", "ddd"]]
    labels = [["a", "b", "c"], ["a", "b", "d"]]
    assert alpha(texts, "text").value == pytest.approx(alpha(labels).value)


def test_bad_input_raises_value_errors():
    with pytest.raises(ConsensusError):
        alpha([[1, 2], [1]])
    with pytest.raises(ConsensusError):
        alpha([["a", "b"], ["a", "c"]], "interval")
    with pytest.raises(ConsensusError):
        alpha([[1, 2]], "no-such-level")
    with pytest.raises(ValueError):
        alpha([[-1, 2], [1, 2]], "ratio")


def _random_table(rng, raters, units, values, missing):
    table = rng.integers(0, values, size=(raters, units)).astype(float)
    table[rng.random((raters, units)) < missing] = np.nan
    return table


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_matches_krippendorff_package(level):
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    for _ in range(5):
        table = _random_table(rng, 5, 60, 6, 0.3)
        expected = krippendorff.alpha(reliability_data=table, level_of_measurement=level)
        assert alpha(table, level).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", ["nominal", "interval", "jaccard", "masi"])
def test_matches_nltk_annotation_task(level):
    agreement, distance = nltk_metrics()
    rng = np.random.default_rng(5)
    if level in ("jaccard", "masi"):
        pool = ["a", "b", "c", "d"]
        table = [
            [sorted(set(rng.choice(pool, size=rng.integers(1, 4)).tolist())) for _ in range(30)]
            for _ in range(3)
        ]
        triples = [
            (str(r), str(u), frozenset(v)) for r, row in enumerate(table) for u, v in enumerate(row)
        ]
        fn = distance.jaccard_distance if level == "jaccard" else distance.masi_distance
    else:
        table = rng.integers(0, 5, size=(3, 40)).tolist()
        triples = [(str(r), str(u), v) for r, row in enumerate(table) for u, v in enumerate(row)]
        fn = distance.binary_distance if level == "nominal" else distance.interval_distance
    task = agreement.AnnotationTask(data=triples, distance=fn)
    expected = task.alpha()
    assert alpha(table, level).value == pytest.approx(expected, abs=1e-9)
