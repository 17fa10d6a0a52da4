"""Optional dependencies, imported when a feature needs them.

cardrank itself needs no package: Arrow data crosses into Rust through the
PyCapsule interface. pyarrow, pandas, polars, scikit-learn and dask are only
needed for the features that use them; when one is missing, the error says
which ``cardrank[...]`` extra installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .exceptions import MissingDependencyError

# The extra of pyproject.toml that installs each top-level module.
_EXTRAS = {
    "pyarrow": "pyarrow",
    "pandas": "pandas",
    "polars": "polars",
    "sklearn": "sklearn",
    "numpy": "sklearn",
    "dask": "dask",
    "distributed": "dask",
}


def require(module: str, what: str) -> ModuleType:
    """Imports `module` (e.g. ``"pyarrow.compute"``) for `what` (e.g.
    ``"output='pandas'"``), or raises :class:`MissingDependencyError` naming
    the extra to install."""
    top = module.partition(".")[0]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is None or e.name.partition(".")[0] != top:
            raise  # something the module itself imports is broken: say that
        extra = _EXTRAS.get(top, top)
        raise MissingDependencyError(
            f"{what} needs {top}, which is not installed: "
            f'pip install "cardrank[{extra}]" (or pip install {top})'
        ) from None
