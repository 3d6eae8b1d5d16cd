"""Annotator reliability: leave-one-out agreement, Dawid-Skene, schema-level statistics."""

import numpy as np
import pytest

from workflow.consensus import ConsensusError, LabelSchemaSpec, ProposalInput, evaluate_item
from workflow.consensus.stats.dataset import annotator_kappa, schema_alpha
from workflow.consensus.stats.dawid_skene import dawid_skene
from workflow.consensus.stats.reliability import agreement_with, leave_one_out

SPEC = LabelSchemaSpec(name="c", value_type="categorical", options=("a", "b", "c"))
ACCURACY = {"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.6, "e": 0.5, "newcomer": 0.95}


def simulated(n_items=400, seed=1):
    """Items labelled by annotators of known accuracy; the newcomer labels only five."""
    rng = np.random.default_rng(seed)
    items, truth = {}, {}
    for i in range(n_items):
        true = int(rng.integers(3))
        item = f"i{i:03d}"
        truth[item] = "abc"[true]
        proposals = []
        for annotator, accuracy in ACCURACY.items():
            if annotator == "newcomer" and i >= 5:
                continue
            wrong = [k for k in range(3) if k != true]
            label = true if rng.random() < accuracy else int(rng.choice(wrong))
            proposals.append(ProposalInput(annotator, "abc"[label]))
        items[item] = proposals
    return items, truth


def test_leave_one_out_ranks_annotators_and_shrinks_short_histories():
    items, _ = simulated()
    scores = leave_one_out(SPEC, items)
    assert scores["a"].score > scores["c"].score > scores["e"].score
    newcomer = scores["newcomer"]
    assert newcomer.n_items <= 5
    pooled = np.mean([s.raw_score for s in scores.values()])
    # Five items barely move the newcomer off the pooled mean.
    assert abs(newcomer.score - pooled) < abs(newcomer.raw_score - pooled)


def test_dawid_skene_beats_majority_and_orders_annotators():
    items, truth = simulated()
    result = dawid_skene(SPEC, items)
    accuracy = result.accuracy()
    assert accuracy["a"] > accuracy["b"] > accuracy["c"] > accuracy["d"] > accuracy["e"]
    labels = dict(zip(result.items, result.labels, strict=True))
    majority = {i: evaluate_item(SPEC, p, min_proposals=1).consensus for i, p in items.items()}
    assert np.mean([labels[i] == truth[i] for i in items]) > np.mean(
        [majority[i] == truth[i] for i in items]
    )
    assert result.converged
    assert result.to_dict()["labels"]["i000"] in "abc"
    assert result.reliability()["newcomer"].n_items == 5


def test_dawid_skene_shrinks_the_newcomer_towards_the_pool():
    items, _ = simulated()
    loose = dawid_skene(SPEC, items, prior_strength=0.0).accuracy()["newcomer"]
    shrunk = dawid_skene(SPEC, items, prior_strength=20.0).accuracy()
    pooled = np.mean([shrunk[a] for a in "abcde"])
    assert abs(shrunk["newcomer"] - pooled) < abs(loose - pooled)


def test_dawid_skene_refuses_non_categorical_schemas():
    with pytest.raises(ConsensusError):
        dawid_skene(LabelSchemaSpec(name="t", value_type="text"), {})


def test_agreement_with_counts_structured_fields():
    spec = LabelSchemaSpec(name="s", value_type="structured")
    assert agreement_with(spec, {"a": 1, "b": 2}, {"a": 1, "b": 3}) == 0.5
    assert agreement_with(SPEC, "a", "a") == 1.0


def test_schema_alpha_per_field_and_kappa():
    spec = LabelSchemaSpec(
        name="s",
        value_type="structured",
        fields=(LabelSchemaSpec(name="n", value_type="numeric"),),
    )
    items = {
        f"i{u}": [ProposalInput(a, {"n": u + (a == "z"), "tag": "xy"[u % 2]}) for a in "xyz"]
        for u in range(8)
    }
    stats = schema_alpha(spec, items, bootstrap=50)
    assert set(stats) == {"n", "tag"}
    assert stats["n"].level == "interval" and stats["n"].value > 0.9
    assert stats["tag"].value == 1.0
    plain = {
        k: [ProposalInput(p.annotator_id, p.value["tag"]) for p in v] for k, v in items.items()
    }
    assert schema_alpha(SPEC.__class__(name="t", value_type="categorical"), plain)[""].value == 1.0
    kappa = annotator_kappa(LabelSchemaSpec(name="t", value_type="categorical"), plain)
    assert kappa.get("x", "y") == 1.0
