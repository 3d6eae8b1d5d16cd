"""Cohen's kappa matrix and Fleiss' kappa: published values and cross-checks."""

import numpy as np
import pytest

from tests.consensus.crosscheck import nltk_metrics
from workflow.consensus import ConsensusError, fleiss_kappa, kappa_matrix

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects x 5 categories, 14 raters each.
WIKIPEDIA = """
0 0 0 0 14 | 0 2 6 4 2 | 0 0 3 5 6 | 0 3 9 2 0 | 2 2 8 1 1
7 7 0 0 0  | 3 2 6 3 0 | 2 5 3 2 2 | 6 5 2 1 0 | 0 2 2 3 7
"""


def test_fleiss_wikipedia_example():
    rows = [
        [int(x) for x in group.split()]
        for group in WIKIPEDIA.replace("\n", "|").split("|")
        if group.strip()
    ]
    assert len(rows) == 10
    assert fleiss_kappa(rows) == pytest.approx(0.210, abs=1e-3)


def test_fleiss_rejects_uneven_raters_and_undefined_when_one_category():
    with pytest.raises(ConsensusError):
        fleiss_kappa([[1, 2], [3, 1]])
    assert fleiss_kappa([[3, 0], [3, 0]]) is None


def test_kappa_matrix_is_symmetric_with_unit_diagonal():
    table = [["a", "b", "a", None], ["a", "b", "b", "a"], ["b", "b", "a", "a"]]
    result = kappa_matrix(table, raters=["ann", "bob", "cy"])
    assert result.get("ann", "ann") == 1.0
    assert result.get("ann", "bob") == pytest.approx(result.get("bob", "ann"))
    assert result.shared_units[0][1] == 3
    assert result.to_dict()["raters"] == ["ann", "bob", "cy"]


def test_kappa_matrix_matches_nltk_pairwise_kappa():
    agreement, _ = nltk_metrics()
    rng = np.random.default_rng(11)
    table = rng.integers(0, 3, size=(3, 50)).tolist()
    triples = [(f"r{r}", str(u), v) for r, row in enumerate(table) for u, v in enumerate(row)]
    task = agreement.AnnotationTask(data=triples)
    ours = kappa_matrix(table)
    for a in range(3):
        for b in range(a + 1, 3):
            expected = task.kappa_pairwise(f"r{a}", f"r{b}")
            assert ours.values[a][b] == pytest.approx(expected, abs=1e-9)
