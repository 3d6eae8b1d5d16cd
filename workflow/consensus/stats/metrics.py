"""Distances for Krippendorff's alpha: pair distances and expected disagreement, vectorised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# Above this many distinct values a generic distance's expected disagreement is estimated from
# sampled value pairs: 1,000 values already mean 500k calls of a Python distance function.
EXACT_DISTINCT_LIMIT = 1000
SAMPLED_PAIRS = 200_000
# Rows of the value x value matrix built at once for the ratio metric (2048 x V float64 blocks).
BLOCK = 2048


class Metric:
    """A distance over value codes 0..V-1, given the pairable values' counts per code."""

    name = "metric"
    exact = True
    size = 0  # number of distinct value codes; set by the encoder

    def pairs(self, a: np.ndarray, b: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Distances between the values coded `a` and `b`, element-wise."""
        raise NotImplementedError

    def expected(self, counts: np.ndarray) -> float:
        """Sum over ordered value pairs of n_c * n_k * delta(c, k)."""
        raise NotImplementedError


class Nominal(Metric):
    """0 for equal values, 1 otherwise."""

    name = "nominal"

    def pairs(self, a: np.ndarray, b: np.ndarray, counts: np.ndarray) -> np.ndarray:
        return (a != b).astype(np.float64)

    def expected(self, counts: np.ndarray) -> float:
        n = counts.sum(dtype=np.float64)
        return float(n * n - np.dot(counts, counts.astype(np.float64)))


class Interval(Metric):
    """Squared difference of the values; expected disagreement in closed form, O(V)."""

    name = "interval"

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)

    def positions(self, counts: np.ndarray) -> np.ndarray:
        """Where each code sits on the interval scale."""
        return self.values

    def pairs(self, a: np.ndarray, b: np.ndarray, counts: np.ndarray) -> np.ndarray:
        x = self.positions(counts)
        return (x[a] - x[b]) ** 2

    def expected(self, counts: np.ndarray) -> float:
        # sum_{c,k} n_c n_k (x_c - x_k)^2 = 2 n sum_c n_c (x_c - mean)^2, centred for stability.
        x = self.positions(counts)
        n = counts.sum(dtype=np.float64)
        mean = np.dot(counts, x) / n
        return float(2 * n * np.dot(counts, (x - mean) ** 2))


class Ordinal(Interval):
    """Krippendorff's ordinal distance, which is the interval distance between mid-ranks."""

    name = "ordinal"

    def positions(self, counts: np.ndarray) -> np.ndarray:
        # delta(c, k) = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 = (midrank_k - midrank_c)^2.
        counts = counts.astype(np.float64)
        return np.cumsum(counts) - counts / 2


class Ratio(Metric):
    """((c - k) / (c + k))^2, for non-negative values with a meaningful zero."""

    name = "ratio"

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)

    def pairs(self, a: np.ndarray, b: np.ndarray, counts: np.ndarray) -> np.ndarray:
        return _ratio(self.values[a], self.values[b])

    def expected(self, counts: np.ndarray) -> float:
        x, w = self.values, counts.astype(np.float64)
        total = 0.0
        for start in range(0, len(x), BLOCK):
            block = _ratio(x[start : start + BLOCK, None], x[None, :])
            total += float(w[start : start + BLOCK] @ block @ w)
        return total


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        out = ((a - b) / total) ** 2
    return np.where(total == 0, 0.0, out)


class Pairwise(Metric):
    """Any distance function over the distinct values, cached per pair of codes."""

    def __init__(self, name: str, values: Sequence[Any], distance: Callable[[Any, Any], float]):
        self.name = name
        self.values = list(values)
        self.distance = distance
        self.size = size = len(self.values)
        self.exact = size <= EXACT_DISTINCT_LIMIT
        self.cache: dict[int, float] = {}
        if self.exact:
            self.matrix = self._matrix()
        else:
            # Uniform code pairs c != k: sum n_c n_k d_ck ~ (#pairs / S) * sum of sampled terms.
            rng = np.random.default_rng(0)
            c = rng.integers(0, size, SAMPLED_PAIRS)
            k = (c + rng.integers(1, size, SAMPLED_PAIRS)) % size
            self.sample = (c, k, self._lookup(c, k))

    def _matrix(self) -> np.ndarray:
        size = len(self.values)
        matrix = np.zeros((size, size))
        for i in range(size):
            for j in range(i + 1, size):
                matrix[i, j] = matrix[j, i] = self.distance(self.values[i], self.values[j])
        return matrix

    def _lookup(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        size = len(self.values)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys, inverse = np.unique(lo.astype(np.int64) * size + hi, return_inverse=True)
        found = np.empty(len(keys))
        for i, key in enumerate(keys.tolist()):
            if key not in self.cache:
                x, y = divmod(key, size)
                self.cache[key] = 0.0 if x == y else self.distance(self.values[x], self.values[y])
            found[i] = self.cache[key]
        return found[inverse.reshape(-1)]

    def pairs(self, a: np.ndarray, b: np.ndarray, counts: np.ndarray) -> np.ndarray:
        if self.exact:
            return self.matrix[a, b]
        return self._lookup(a, b)

    def expected(self, counts: np.ndarray) -> float:
        w = counts.astype(np.float64)
        if self.exact:
            return float(w @ self.matrix @ w)
        c, k, d = self.sample
        size = len(self.values)
        return float(size * (size - 1) * np.mean(w[c] * w[k] * d))
