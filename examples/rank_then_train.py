"""Rank the features of a data set with cardrank, keep the best k, and train a
model on them and on all features: similar AUC, less time.

    python examples/rank_then_train.py                 # ../shared/data/adult.csv.gz
    python examples/rank_then_train.py --generated     # synthetic click log
    python examples/rank_then_train.py --data FILE.csv.gz --target COLUMN -k 8

Every column is a category (numbers by their text), as cardrank reads them;
the model is scikit-learn's HistGradientBoostingClassifier on ordinal-encoded
categories (the rarest grouped so that each column fits its 255 bins).
Without --data, the example uses ../shared/data/adult.csv.gz (relative to the
repository root) when present, else generated data.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

import cardrank

ROOT = Path(__file__).resolve().parents[1]
ADULT = ROOT / ".." / "shared" / "data" / "adult.csv.gz"


def generated(rows: int, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """A click log: 6 informative columns of 3 to 5,000 values, 4 ID-like
    columns, 20 noise columns, and a binary target `click`."""
    rng = np.random.default_rng(seed)
    logit = np.full(rows, -1.5)
    cols: dict[str, np.ndarray] = {}
    for i, levels in enumerate([3, 10, 50, 300, 1_000, 5_000]):
        codes = rng.zipf(1.3, rows) % levels
        effect = rng.normal(0, 0.8, levels)
        logit += effect[codes]
        cols[f"signal_{i}_{levels}"] = codes
    for i in range(4):
        cols[f"id_like_{i}"] = rng.integers(0, rows, rows)
    for i in range(20):
        cols[f"noise_{i}"] = rng.zipf(1.5, rows) % rng.integers(2, 2_000)
    click = rng.random(rows) < 1 / (1 + np.exp(-logit))
    df = pd.DataFrame({k: v.astype(str) for k, v in cols.items()})
    df["click"] = np.where(click, "1", "0")
    return df, "click"


def load(args: argparse.Namespace) -> tuple[pd.DataFrame, str, str]:
    if args.generated or (args.data is None and not ADULT.exists()):
        df, target = generated(args.rows)
        return df, target, f"generated click log ({args.rows:,} rows)"
    path = Path(args.data) if args.data else ADULT
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    target = args.target or ("income" if path.name.startswith("adult") else df.columns[-1])
    if target == "income":  # adult's test half spells its labels with a final "."
        df[target] = df[target].str.rstrip(".")
    return df, target, str(path.resolve())


def train(
    X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame, y_test: np.ndarray
) -> tuple[float, float]:
    """Fits the model; returns (test AUC, fit seconds)."""
    model = make_pipeline(
        OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            max_categories=250,
        ),
        HistGradientBoostingClassifier(
            categorical_features=[True] * X_train.shape[1], random_state=0
        ),
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    return float(auc), seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", help="CSV file (plain, .gz or .zst); default: adult")
    parser.add_argument("--target", help="label column (default: income for adult, else the last)")
    parser.add_argument("-k", type=int, default=5, help="features to keep (default 5)")
    parser.add_argument("--generated", action="store_true", help="use a generated click log")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of generated data")
    args = parser.parse_args()

    df, target, source = load(args)
    classes = sorted(df[target].unique())
    if len(classes) != 2:
        raise SystemExit(
            f"the target `{target}` has {len(classes)} classes; this example needs two"
        )
    y = (df[target] == classes[-1]).to_numpy()
    X = df.drop(columns=[target])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    positive = classes[-1]
    print(
        f"data: {source}: {len(df):,} rows, {X.shape[1]} features, target `{target}` = {positive!r}"
    )

    # Rank on the training rows only, so the test rows stay unseen.
    start = time.perf_counter()
    ranking = cardrank.rank(X_train.assign(**{target: y_train}), target, output="pandas")
    rank_seconds = time.perf_counter() - start
    print(
        f"\nranked in {rank_seconds:.3f} s (MI - EMI, nats; raw MI over-rates many-valued columns):"
    )
    shown = ranking[["rank", "feature", "cardinality", "mi", "expected_mi", "adjusted"]]
    print(shown.head(max(args.k, 10)).to_string(index=False, float_format=lambda v: f"{v:.5f}"))

    top = ranking["feature"].head(args.k).tolist()
    auc_top, t_top = train(X_train[top], y_train, X_test[top], y_test)
    auc_all, t_all = train(X_train, y_train, X_test, y_test)
    print(f"\n{'features':<20} {'AUC':>7} {'fit s':>8}")
    print(f"{f'top {len(top)} (cardrank)':<20} {auc_top:7.4f} {t_top:8.3f}")
    print(f"{f'all {X.shape[1]}':<20} {auc_all:7.4f} {t_all:8.3f}")
    print(f"\nkept: {', '.join(top)}")


if __name__ == "__main__":
    main()
