"""Type stub of the extension module ``cardrank._core`` (Rust, pyo3).

Use the wrappers in :mod:`cardrank` (:func:`cardrank.rank`,
:class:`cardrank.Ranker`); this module only converts types and calls the
Rust core.
"""

import os
from typing import Any, Protocol, final

from typing_extensions import CapsuleType

__all__ = ["Ranker", "Ranking", "PairResult", "pair_run", "pair_run_path", "triple_candidates", "report", "report_path", "COLUMNS", "MAX_THREADS", "__version__"]

__version__: str
COLUMNS: tuple[str, ...]
MAX_THREADS: int

class _ArrowStream(Protocol):
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

class _ArrowArray(Protocol):
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

@final
class Ranker:
    """Accumulates the joint counts of every feature with the target, batch
    by batch; mergeable and serialisable."""

    def __new__(
        cls,
        target: str,
        *,
        threads: int | None = None,
        missing: list[str] | None = None,
        features: list[str] | None = None,
        exclude: list[str] | None = None,
        score: str = "adjusted",
        pairs: list[str] | None = None,
        triples: list[list[str]] | None = None,
    ) -> Ranker: ...
    @staticmethod
    def from_bytes(
        data: bytes,
        *,
        threads: int | None = None,
        missing: list[str] | None = None,
        features: list[str] | None = None,
        exclude: list[str] | None = None,
        score: str = "adjusted",
        pairs: list[str] | None = None,
        triples: list[list[str]] | None = None,
    ) -> Ranker:
        """A ranker continuing from `to_bytes()` output."""

    def update(self, data: _ArrowStream | _ArrowArray) -> None:
        """Adds the rows of an Arrow object, batch by batch, without copying
        columns."""

    def update_path(self, path: str | os.PathLike[str]) -> None:
        """Adds the rows of a file (CSV/TSV, Parquet, Arrow IPC or Vowpal
        Wabbit) or of every file a glob pattern matches."""

    def merge(self, other: Ranker) -> None:
        """Adds another ranker's counts."""

    def to_bytes(self) -> bytes:
        """The accumulated state as bytes."""

    def finish(self) -> Ranking:
        """Computes every measure of every feature and sorts them."""

    def interactions_json(self) -> str:
        """Redundancy, joint relevance and synergy of the counted tuples, as
        JSON."""

    @property
    def rows(self) -> int:
        """Rows added so far."""

    @property
    def target(self) -> str:
        """The target column."""

@final
class Ranking:
    """A finished ranking: features best first, with every measure."""

    @property
    def rows(self) -> int:
        """Rows the ranking was computed from."""

    @property
    def target(self) -> str:
        """The target column."""

    @property
    def classes(self) -> int:
        """Number of distinct target values (classes)."""

    @property
    def target_entropy(self) -> float:
        """Entropy H(Y) of the target, in nats."""

    @property
    def score_name(self) -> str:
        """The score the features are sorted by."""

    def to_pylist(self) -> list[dict[str, Any]]:
        """One dict per feature, best first, with the keys of `COLUMNS`."""

    def __arrow_c_schema__(self) -> CapsuleType:
        """The Arrow schema, as a PyCapsule."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> CapsuleType:
        """The table as an Arrow C stream of one batch."""

    def __len__(self) -> int: ...

@final
class PairResult:
    """A ranking with the redundancy, joint relevance and synergy of the
    counted feature tuples, and the budget used."""

    @property
    def ranking(self) -> Ranking:
        """The ranking of every feature."""

    def interactions_json(self) -> str:
        """The measures of every counted tuple, as JSON."""

    def budget_json(self) -> str:
        """What was counted, as JSON."""

    def select(
        self,
        k: int,
        *,
        alpha: float = 1.0,
        beta: float = 1.0,
        aggregate: str = "mean",
        pair_steps: bool = True,
    ) -> str:
        """Greedy mRMR / 3MR selection of `k` features, as JSON."""

def pair_run(
    data: _ArrowStream | _ArrowArray,
    target: str,
    *,
    threads: int | None = None,
    missing: list[str] | None = None,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    score: str = "adjusted",
    max_features: int = 50,
    max_pairs: int | None = None,
    triple_pairs: int | None = None,
) -> PairResult:
    """Ranks Arrow data and counts pairs (and triples) within the budget."""

def pair_run_path(
    path: str | os.PathLike[str],
    target: str,
    *,
    threads: int | None = None,
    missing: list[str] | None = None,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    score: str = "adjusted",
    max_features: int = 50,
    max_pairs: int | None = None,
    triple_pairs: int | None = None,
) -> PairResult:
    """Ranks a file and counts pairs (and triples) within the budget."""

def report(
    data: _ArrowStream | _ArrowArray,
    target: str,
    out: str | os.PathLike[str],
    *,
    threads: int | None = None,
    missing: list[str] | None = None,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    score: str = "adjusted",
    top_values: int = 10,
    unusual_rows: int = 20,
    heatmap: int = 15,
    thresholds: dict[str, float] | None = None,
) -> str:
    """Writes the data-quality report of Arrow data into `out`; returns
    quality.json."""

def report_path(
    path: str | os.PathLike[str],
    target: str,
    out: str | os.PathLike[str],
    *,
    threads: int | None = None,
    missing: list[str] | None = None,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    score: str = "adjusted",
    top_values: int = 10,
    unusual_rows: int = 20,
    heatmap: int = 15,
    thresholds: dict[str, float] | None = None,
) -> str:
    """Writes the data-quality report of a file into `out`; returns
    quality.json."""

def triple_candidates(pairs: list[list[str]], features: list[str]) -> list[list[str]]:
    """Each pair extended by every other feature, each triple once."""
