"""The best any feature ordering could do in one cell of the selection study.

    python examples/selection_oracle.py uci_tic-tac-toe Class [SEEDS]

For a small data set of ../shared/data: every subset of k features (k of
the study's cells: 10%, 25%, 50% of the features, at least 3), LightGBM
trained on it exactly as `examples/selection_study.py` trains (same splits,
seeds and settings) and scored on the *test* rows; the best subset's AUC
change against all features, per seed and its mean per k. The subsets are
chosen in hindsight on the test rows, so no method that sees only the
training rows can do better: a ceiling for the study's cells. The number of
fits is the binomial coefficient per k, times the seeds (default 3, the
first of the study's): keep to sets of at most about 12 features.
"""

from __future__ import annotations

import itertools
import sys
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
import selection_study as study  # noqa: E402

MAX_FITS = 20_000


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    name, label = sys.argv[1], sys.argv[2]
    seeds = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    path = study.DATA / f"{name}.csv.gz"
    if not path.exists():
        sys.exit(f"{path} is absent")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    n = raw.shape[1] - 1
    ks = sorted({max(3, round(share * n)) for share in study.KS})
    fits = seeds * sum(comb(n, k) for k in ks)
    if fits > MAX_FITS:
        sys.exit(f"{fits} fits: too many for an exhaustive search")
    best: dict[int, list[float]] = {k: [] for k in ks}
    y_all = (raw[label] == sorted(raw[label].unique())[-1]).to_numpy(np.int8)
    X_all = study.typed(raw.drop(columns=[label]))
    for seed in range(seeds):
        idx_tr, idx_te = train_test_split(
            np.arange(len(raw)), test_size=0.3, stratify=y_all, random_state=seed
        )
        X_tr, y_tr = X_all.iloc[idx_tr], y_all[idx_tr]
        X_te, y_te = X_all.iloc[idx_te], y_all[idx_te]
        model, _ = study.fit(X_tr, y_tr, seed)
        base = study.auc(model, X_te, y_te)
        for k in ks:
            top = -1.0
            for subset in itertools.combinations(X_tr.columns, k):
                cols = list(subset)
                m, _ = study.fit(X_tr[cols], y_tr, seed)
                top = max(top, study.auc(m, X_te[cols], y_te) - base)
            best[k].append(top)
            print(f"{name} k={k} seed {seed}: best {top:+.4f}", flush=True)
    for k in ks:
        print(f"{name} k={k}: mean of the best {np.mean(best[k]):+.4f}")


if __name__ == "__main__":
    main()
