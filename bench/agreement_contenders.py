"""What each contender runs per benchmark workload: Quorum, krippendorff, NLTK and crowd-kit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import agreement_data as data
import numpy as np

Setup = Callable[[int], tuple[Callable[[], Any], Callable[[Any], str]]]


@dataclass
class Workload:
    """A named job, its full size, and the contenders that can attempt it."""

    title: str
    size: int
    contenders: dict[str, Setup] = field(default_factory=dict)
    repeats: dict[str, int] = field(default_factory=dict)
    timeout: dict[str, int] = field(default_factory=dict)
    note: str = ""


def _alpha_quorum(level: str, values: int) -> Setup:
    def setup(size: int):
        from workflow.consensus import alpha

        table = data.rating_table(size, 5, values)
        return (lambda: alpha(table, level)), lambda r: f"alpha={r.value:.6f}"

    return setup


def _alpha_krippendorff(level: str, values: int) -> Setup:
    def setup(size: int):
        import krippendorff

        table = data.rating_table(size, 5, values)
        run = lambda: krippendorff.alpha(reliability_data=table, level_of_measurement=level)  # noqa: E731
        return run, lambda r: f"alpha={r:.6f}"

    return setup


def _alpha_nltk(size: int):
    from nltk.metrics.agreement import AnnotationTask

    triples = data.long_format(data.noisy_codes(size, 5, 5, 0.7, 0.1))
    return (lambda: AnnotationTask(data=triples).alpha()), lambda r: f"alpha={r:.6f}"


def _alpha_crowdkit(size: int):
    import pandas as pd
    from crowdkit.metrics.data import alpha_krippendorff

    triples = data.long_format(data.noisy_codes(size, 5, 5, 0.7, 0.1))
    frame = pd.DataFrame(triples, columns=["worker", "task", "label"])
    return (lambda: alpha_krippendorff(frame)), lambda r: f"alpha={r:.6f}"


def _votes_quorum(size: int):
    from workflow.consensus.batch import evaluate_batch

    codes = data.noisy_codes(size, 3, 4, 0.7, 0.0)
    return (lambda: evaluate_batch(data.CATEGORICAL, codes)), lambda r: f"outcomes={r.counts()}"


def _votes_item_loop(size: int):
    from workflow.consensus import ProposalInput, evaluate_item

    sample = min(size, 20_000)
    codes = data.noisy_codes(size, 3, 4, 0.7, 0.0)[:sample]
    rows = [[ProposalInput(f"a{j}", data.OPTIONS[c]) for j, c in enumerate(r)] for r in codes]

    def run():
        return [evaluate_item(data.CATEGORICAL, r) for r in rows]

    return run, lambda r: f"items={len(r)} (sample; time scaled to full size)"


def _votes_crowdkit(size: int):
    import pandas as pd
    from crowdkit.aggregation import MajorityVote

    codes = data.noisy_codes(size, 3, 4, 0.7, 0.0)
    units, raters = np.nonzero(codes >= 0)
    frame = pd.DataFrame({"task": units, "worker": raters, "label": codes[units, raters]})
    return (lambda: MajorityVote().fit_predict(frame)), lambda r: f"labels={len(r)}"


def _structured_quorum(size: int):
    from workflow.consensus.batch import evaluate_batch

    rows = data.structured_rows(size)
    return (lambda: evaluate_batch(data.STRUCTURED, rows)), lambda r: f"outcomes={r.counts()}"


def _structured_item_loop(size: int):
    from workflow.consensus import ProposalInput, evaluate_item

    rows = data.structured_rows(min(size, 5_000))
    items = [[ProposalInput(f"a{j}", v) for j, v in enumerate(r)] for r in rows]

    def run():
        return [evaluate_item(data.STRUCTURED, r) for r in items]

    return run, lambda r: f"items={len(r)} (sample; time scaled to full size)"


def _structured_crowdkit(size: int):
    import pandas as pd
    from crowdkit.aggregation import MajorityVote

    rows = data.structured_rows(size)

    def run():
        # Timed from the same rows of dicts Quorum gets: one long frame per field, then a vote.
        out = {}
        for name in ("intent", "resolved", "priority", "score", "answer"):
            triples = [
                (u, a, str(lab[name])) for u, row in enumerate(rows) for a, lab in enumerate(row)
            ]
            frame = pd.DataFrame(triples, columns=["task", "worker", "label"])
            out[name] = MajorityVote().fit_predict(frame)
        return out

    return run, lambda r: f"fields={len(r)} (majority per field only; no tolerance or routing)"


def _ds_quorum(size: int):
    from workflow.consensus import ProposalInput, dawid_skene

    codes = data.noisy_codes(size, 5, 4, 0.7, 0.2)
    items = {
        f"u{u:06d}": [ProposalInput(f"r{j}", data.OPTIONS[c]) for j, c in enumerate(row) if c >= 0]
        for u, row in enumerate(codes)
    }
    return (lambda: dawid_skene(data.CATEGORICAL, items)), lambda r: f"iterations={r.iterations}"


def _ds_crowdkit(size: int):
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    codes = data.noisy_codes(size, 5, 4, 0.7, 0.2)
    units, raters = np.nonzero(codes >= 0)
    frame = pd.DataFrame({"task": units, "worker": raters, "label": codes[units, raters]})
    return (lambda: DawidSkene(n_iter=500).fit_predict(frame)), lambda r: f"labels={len(r)}"


WORKLOADS = {
    "alpha-nominal": Workload(
        "dataset alpha, nominal, {size:,} units x 5 annotators (10% missing)",
        100_000,
        {
            "quorum": _alpha_quorum("nominal", 5),
            "krippendorff": _alpha_krippendorff("nominal", 5),
            "nltk": _alpha_nltk,
            "crowd-kit": _alpha_crowdkit,
        },
        repeats={"quorum": 7, "krippendorff": 3, "nltk": 1, "crowd-kit": 1},
        timeout={"nltk": 600, "crowd-kit": 600},
    ),
    "decisions-categorical": Workload(
        "per-item decisions, categorical, {size:,} items x 3 annotators (target < 2 s)",
        1_000_000,
        {
            "quorum": _votes_quorum,
            "quorum-per-item": _votes_item_loop,
            "crowd-kit": _votes_crowdkit,
        },
        repeats={"quorum": 5, "quorum-per-item": 1, "crowd-kit": 3},
    ),
    "decisions-structured": Workload(
        "per-item decisions, structured (5 fields), {size:,} items x 3 annotators (target < 10 s)",
        100_000,
        {
            "quorum": _structured_quorum,
            "quorum-per-item": _structured_item_loop,
            "crowd-kit": _structured_crowdkit,
        },
        repeats={"quorum": 3, "quorum-per-item": 1, "crowd-kit": 3},
    ),
    "alpha-interval-101": Workload(
        "interval alpha, 101 distinct values, {size:,} units x 5 annotators (target < 500 MB)",
        100_000,
        {
            "quorum": _alpha_quorum("interval", 101),
            "krippendorff": _alpha_krippendorff("interval", 101),
        },
        repeats={"quorum": 5, "krippendorff": 1},
        note="NLTK and crowd-kit (which wraps NLTK) are timed on 'alpha-nominal' only.",
    ),
    "dawid-skene": Workload(
        "Dawid-Skene, {size:,} items x 5 annotators (20% missing), 4 classes",
        20_000,
        {"quorum": _ds_quorum, "crowd-kit": _ds_crowdkit},
        repeats={"quorum": 3, "crowd-kit": 1},
    ),
}

# Items the per-item loops really evaluate; their times are scaled to the workload's size.
SAMPLED = {"decisions-categorical": 20_000, "decisions-structured": 5_000}
