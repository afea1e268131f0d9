"""Seeded random streams and the vectorised sampling helpers the generator shares.

Every phase draws from its own stream, derived from the seed and the province by a fixed
spawn key: changing one phase (say the error rate) never shifts another phase's numbers, so
``--error-rate 0`` and ``--error-rate 1`` describe the very same population.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

STREAMS = (
    "geography",
    "households",
    "names",
    "identity",
    "cards",
    "integration",
    "errors",
    "his_visits",
    "his_vaccines",
    "his_files",
)


def stream(seed: int, province: int, name: str) -> np.random.Generator:
    """The random generator of one phase; the same arguments always give the same numbers."""
    key = STREAMS.index(name)
    return np.random.default_rng(np.random.SeedSequence(entropy=[seed, province], spawn_key=(key,)))


def weighted(rng: np.random.Generator, weights: Sequence[float] | Floats, size: int) -> Ints:
    """``size`` indices drawn with probability proportional to ``weights``."""
    p = np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(p / p.sum())
    cumulative[-1] = 1.0
    chosen: Ints = np.searchsorted(cumulative, rng.random(size), side="right").astype(np.int64)
    return chosen


def exact_counts(rng: np.random.Generator, weights: Floats, total: int) -> Ints:
    """Counts per category summing to ``total``, proportional to ``weights``.

    Largest-remainder rounding keeps the shape exact at any size (a multinomial would add
    sampling noise the tests would then have to tolerate); ties are broken at random.
    """
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    quota = weights / weights.sum() * total
    counts: Ints = np.floor(quota).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        remainder = quota - counts + rng.random(weights.size) * 1e-9
        counts[np.argsort(-remainder, kind="stable")[:short]] += 1
    return counts


def bernoulli(rng: np.random.Generator, p: Floats | float, size: int) -> Bools:
    flags: Bools = rng.random(size) < p
    return flags


def pick_in_range(rng: np.random.Generator, anchors: Ints, low: Ints, high: Ints) -> Ints:
    """For each (low, high), a random host whose anchor lies in ``[low, high]``, else -1.

    Used to place a person in a household of fitting age (a child with a mother 20–42 years
    older, a widow with a son 20–42 years younger): hosts are sorted once, each request is
    two binary searches and one uniform pick among the fitting hosts.
    """
    if anchors.size == 0:
        return np.full(low.size, -1, dtype=np.int64)
    order = np.argsort(anchors, kind="stable")
    ranked = anchors[order]
    left = np.searchsorted(ranked, low, side="left")
    right = np.searchsorted(ranked, high, side="right")
    width = right - left
    position = left + np.floor(rng.random(low.size) * width).astype(np.int64)
    found = width > 0
    hosts: Ints = np.where(found, order[np.minimum(position, ranked.size - 1)], -1)
    return hosts


def unique_random(
    rng: np.random.Generator, prefixes: Ints, span: int, taken: Ints | None = None
) -> Ints:
    """``prefixes * span + r`` with random ``r < span``, all distinct and not in ``taken``.

    Collisions are redrawn until none is left; with spans far larger than any group (a
    million serials per province, sex and birth year) this takes a handful of rounds.
    """
    values = prefixes * span + rng.integers(0, span, prefixes.size)
    forbidden = np.sort(taken) if taken is not None else np.empty(0, dtype=np.int64)
    while True:
        clash = _duplicates(values) | contains(forbidden, values)
        if not clash.any():
            return values
        values[clash] = prefixes[clash] * span + rng.integers(0, span, int(clash.sum()))


def _duplicates(values: Ints) -> Bools:
    """Every occurrence but the first of a repeated value."""
    order = np.argsort(values, kind="stable")
    repeated = np.zeros(values.size, dtype=bool)
    repeated[order[1:]] = values[order[1:]] == values[order[:-1]]
    return repeated


def contains(sorted_pool: Ints, values: Ints) -> Bools:
    """Whether each value is in ``sorted_pool`` (which must be sorted)."""
    if sorted_pool.size == 0:
        return np.zeros(values.size, dtype=bool)
    position = np.minimum(np.searchsorted(sorted_pool, values), sorted_pool.size - 1)
    found: Bools = sorted_pool[position] == values
    return found
