"""cardrank: cardinality-aware feature ranking for categorical data.

Ranks the features of a table by their mutual information with a target
minus the exact mutual information expected by chance for a feature with the
same value counts (the exact, deterministic form of the OutRank method), so
that many-valued columns such as IDs gain nothing from their cardinality.

>>> import cardrank
>>> table = cardrank.rank(df, target="click")                    # doctest: +SKIP
>>> sel = cardrank.sklearn.CardinalitySelector(k=50)             # doctest: +SKIP

- :func:`rank` ranks pandas, polars or pyarrow data, any object with
  ``__arrow_c_stream__``, or a CSV/TSV file.
- :func:`redundancy` and :func:`interactions` measure feature pairs (and
  triples); :func:`select` selects features greedily in target units
  (by default what each adds about the target to those taken together), and
  ``rank(..., given=[...])`` ranks what each candidate adds to the
  features a model already has.
- :func:`compare` compares two rankings (rank-biased overlap, movers).
- :func:`report` checks every column (missing, constant, ID-like,
  duplicate, label leak, drift, rare values) and writes an HTML report.
- :class:`Ranker` does the same batch by batch; rankers merge exactly and
  pickle, for multiprocessing or Dask.
- :mod:`cardrank.sklearn` has a scikit-learn feature selector.
- :mod:`cardrank.dask` ranks a Dask DataFrame on many workers, exactly.
- :mod:`cardrank.exceptions` has one exception class per error kind, all
  derived from :class:`CardrankError`.

The work runs in Rust without the GIL, on all cores (``threads=`` or the
``CARDRANK_THREADS`` environment variable set the number of threads).
"""

from __future__ import annotations

from . import exceptions
from ._api import Output, Ranker, Score, rank
from ._compare import compare
from ._conditional import select
from ._pairs import interactions, redundancy
from ._report import report
from ._core import COLUMNS, __version__
from .exceptions import *  # noqa: F403 (every exception class, listed in exceptions.__all__)

__all__ = [
    "COLUMNS",
    "Output",
    "Ranker",
    "Score",
    "__version__",
    "compare",
    "exceptions",
    "interactions",
    "rank",
    "redundancy",
    "report",
    "select",
]
__all__ += exceptions.__all__


def __getattr__(name: str) -> object:
    # `cardrank.sklearn` imports scikit-learn and `cardrank.dask` imports
    # dask; load them only when asked for.
    if name in ("sklearn", "dask"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
