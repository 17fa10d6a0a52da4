"""Type stub of the extension module ``cardrank._core`` (Rust, pyo3).

Use the wrappers in :mod:`cardrank` (:func:`cardrank.rank`,
:class:`cardrank.Ranker`); this module only converts types and calls the
Rust core.
"""

import os
from typing import Any, Protocol, final

from typing_extensions import CapsuleType

__all__ = [
    "Ranker",
    "Ranking",
    "PairResult",
    "PairPlan",
    "pair_run",
    "pair_run_path",
    "features_of",
    "ProbeResult",
    "probe_run",
    "probe_run_path",
    "merge_states",
    "compare",
    "cli_main",
    "report",
    "report_path",
    "COLUMNS",
    "DEFAULT_METHOD",
    "MAX_THREADS",
    "__version__",
]

__version__: str
COLUMNS: tuple[str, ...]
MAX_THREADS: int
DEFAULT_METHOD: str

class _ArrowStream(Protocol):
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

class _ArrowArray(Protocol):
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

@final
class Ranker:
    """Accumulates the joint counts of every feature with the target, batch
    by batch; mergeable and serialisable.

    Safe to share between threads: calls on one ranker run one at a time
    (each takes the ranker's lock, waiting for it without the GIL), so
    concurrent ``update`` calls count every row once. ``r.merge(r)``
    doubles every count. A ranker on which a call panicked inside Rust
    raises ``CardrankError`` on every later call.
    """

    def __new__(cls, target: str, **options: Any) -> Ranker:
        """A ranker for `target`. `options`: threads, missing, features,
        exclude, score, pairs, triples, max_distinct, and the read options of
        files (format, delimiter, numeric, multivalue, sample_rate, seed,
        skip_bad_rows, vw_namespaces, batch_size)."""

    @staticmethod
    def from_bytes(data: bytes, **options: Any) -> Ranker:
        """A ranker continuing from `to_bytes()` output."""

    @staticmethod
    def for_pass(params: str) -> Ranker:
        """A ranker with the parameters of a pair plan's pass (JSON)."""

    def update(self, data: _ArrowStream | _ArrowArray) -> None:
        """Adds the rows of an Arrow object, batch by batch, without copying
        columns. Each batch is checked first (offsets, dictionary keys,
        layout): a malformed one raises ``InvalidArrayError``; duplicate
        column names raise ``DuplicateColumnError``. Rows with a missing
        target are left out and counted."""

    def update_path(self, path: str | os.PathLike[str]) -> None:
        """Adds the rows of a file (CSV/TSV, Parquet, Arrow IPC or Vowpal
        Wabbit) or of every file a glob pattern matches."""

    def merge(self, other: Ranker) -> None:
        """Adds another ranker's counts (with itself: doubles them)."""

    def to_bytes(self) -> bytes:
        """The accumulated state as bytes."""

    def finish(self) -> Ranking:
        """Computes every measure of every feature and sorts them; raises
        ``MissingTargetValueError`` if rows had a missing target and
        ``drop_missing_target`` is not set."""

    def interactions_json(self) -> str:
        """Redundancy, joint relevance and synergy of the counted tuples, as
        JSON."""

    @property
    def rows(self) -> int:
        """Rows added so far (those with a missing target are not counted)."""

    @property
    def missing_target_rows(self) -> int:
        """Rows left out so far because their target was missing."""

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

    @property
    def dropped_missing_target(self) -> int:
        """Rows left out because their target was missing."""

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

def pair_run(data: _ArrowStream | _ArrowArray, target: str, **options: Any) -> PairResult:
    """Ranks Arrow data and counts pairs (and triples) within the budget."""

def pair_run_path(path: str | os.PathLike[str], target: str, **options: Any) -> PairResult:
    """Ranks a file and counts pairs (and triples) within the budget."""

def features_of(schema: object, target: str, **options: Any) -> tuple[list[str], list[str]]:
    """The ranked and the pairable features of an Arrow schema."""

@final
class PairPlan:
    """The pair budget's passes, one at a time."""

    def __new__(
        cls, target: str, ranked: int, pairable: list[str], **options: Any
    ) -> PairPlan: ...
    def next(self) -> tuple[str, list[str] | None] | None:
        """The next pass: its ranker parameters (JSON) and the columns it
        reads, or None when the plan is complete."""

    def take(self, state: bytes) -> None:
        """Takes the merged state bytes of the pass `next` gave."""

    def finish(self) -> PairResult:
        """The result, once every pass was taken."""

    def finish_probe(self) -> ProbeResult:
        """A conditional plan's result (made with `given=`), once every
        pass was taken."""

@final
class ProbeResult:
    """A ranking with the candidates' state kept for a selection in target
    units or a ranking given features."""

    @property
    def ranking(self) -> Ranking: ...
    def budget_json(self) -> str:
        """What was read, as JSON."""

    def grouping_json(self) -> str:
        """How values were grouped into levels, as JSON ({"grouping",
        "grouped"})."""

    def select(self, method: str, **options: Any) -> str:
        """A greedy selection in target units, as JSON (keywords: k, min_z,
        alpha, beta, pair_steps)."""

    def rank_given(self, *, joint_levels: int = 10_000) -> str:
        """The candidates by what they add beyond the given features, as
        JSON."""

def probe_run(data: _ArrowStream | _ArrowArray, target: str, **options: Any) -> ProbeResult:
    """Ranks Arrow data and keeps the candidates and given features."""

def probe_run_path(path: str | os.PathLike[str], target: str, **options: Any) -> ProbeResult:
    """Ranks a file and keeps the candidates and given features."""

def merge_states(states: list[bytes]) -> bytes:
    """The bytes of the merge of several states."""

def compare(
    name_a: str,
    list_a: str | None,
    name_b: str,
    list_b: str | None,
    *,
    p: float = 0.9,
    top: int = 10,
) -> str:
    """Compares two rankings (JSON lists, or JSON files when the list is
    None); returns the comparison as JSON."""

def cli_main(argv: list[str]) -> int:
    """Runs the `cardrank` command line; returns its exit code."""

def report(
    data: _ArrowStream | _ArrowArray, target: str, out: str | os.PathLike[str], **options: Any
) -> str:
    """Writes the data-quality report of Arrow data into `out`; returns
    quality.json. `source` names the data in the report."""

def report_path(
    path: str | os.PathLike[str], target: str, out: str | os.PathLike[str], **options: Any
) -> str:
    """Writes the data-quality report of a file into `out`; returns
    quality.json."""
