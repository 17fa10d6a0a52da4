"""Which feature ordering should `select` default to? (issue 16, point 6)

    cargo build --release -p cardrank-cli -p cardrank-benches --bin cardrank --bin orderings
    python examples/selection_study.py                    # every data set, 3 seeds
    python examples/selection_study.py --quick            # two small sets, 1 seed

For every binary-target data set in ../shared/data with 9 or more features,
and a click log made by `cardrank generate`: a stratified 70/30 train/test
split per seed; every ordering is computed on the training rows only (the
training rows are subsampled to --max-train rows when there are more); then
LightGBM (early stopping on a stratified 15% of the training rows) is
trained on the top k features, k = 10%, 25% and 50% of the features (at
least 3), and the test AUC minus the all-features AUC of the same split is
reported for every (data set, k) cell and method, and their means.

Orderings: random; cardrank's `mi`, `adjusted` (MI - EMI, `rank`'s
default), `ami`, `z` and `gain` (the cross-fitted gain) scores, and
`adjusted_grouped` (MI - EMI of the values grouped as `select` groups them);
the OutRank paper's selection (`3mr`, and `mrmr` with beta 0); the
selections in target units as `select` makes them (`jmi`, its default,
`cmim`, `mrmr_target`, `3mr_target`: values grouped into levels, see
docs/selection.md) and without grouping (`jmi_raw`, `cmim_raw`); and the
model-based peer, LightGBM gain importance of the one all-features fit on
the same training rows. cardrank's orderings
come from `benches/src/bin/orderings.rs` (no front-end wiring needed), which
also times them; the all-features fit is timed here.

Needs lightgbm, pandas and scikit-learn (requirements-dev.txt), and the two
release binaries above (`--bin-dir`, default target/release).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
N_JOBS = 2
KS = (0.10, 0.25, 0.50)
CARDRANK = [
    "mi", "adjusted", "ami", "z", "gain", "adjusted_grouped", "3mr", "mrmr",
    "jmi_raw", "cmim_raw", "cmim", "jmi", "mrmr_target", "3mr_target", "joint",
]
METHODS = ["random", *CARDRANK, "lgbm_gain"]


def binary_sets(min_features: int = 9) -> list[tuple[Path, str]]:
    """(file, label) of every data set with a two-class label and enough features."""
    labels = {
        "census_income_kdd": "income", "nycflights13_delayed15": "delayed15", "adult": "income",
        "bank_marketing_10pct": "y", "german_credit": "creditability", "uci_mushroom": "class",
        "uci_splice": "Class", "uci_nursery": "class", "uci_car": "class",
        "uci_tic-tac-toe": "Class", "uci_vote": "Class",
    }  # fmt: skip
    out = []
    for name, label in labels.items():
        path = DATA / f"{name}.csv.gz"
        if not path.exists():
            print(f"note: {path} absent, skipped", file=sys.stderr)
            continue
        head = pd.read_csv(path, dtype=str, nrows=2_000, keep_default_na=False)
        y = pd.read_csv(path, dtype=str, usecols=[label], keep_default_na=False)[label]
        if y.nunique() == 2 and head.shape[1] - 1 >= min_features:
            out.append((path, label))
    return out


def click_log(bin_dir: Path, rows: int, work: Path) -> tuple[Path, str]:
    path = work / "click.csv"
    if not path.exists():
        subprocess.run(
            [str(bin_dir / "cardrank"), "generate", "--rows", str(rows), "--out", str(path)],
            check=True,
            capture_output=True,
        )
    truth = json.loads(Path(str(path) + ".truth.json").read_text())
    return path, truth.get("target", "click")


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of numbers as float64 (missing: NaN), others as categories."""
    out = {}
    for name, col in df.items():
        col = col.replace({"": None, "?": None})
        number = pd.to_numeric(col, errors="coerce")
        if col.notna().any() and number.notna().sum() == col.notna().sum():
            out[name] = number.astype("float64")
        else:
            out[name] = col.astype("category")
    return pd.DataFrame(out)


def fit(X: pd.DataFrame, y: np.ndarray, seed: int) -> tuple[lgb.LGBMClassifier, float]:
    start = time.perf_counter()
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=0.15, stratify=y, random_state=seed
    )
    model = lgb.LGBMClassifier(
        n_estimators=2_000, learning_rate=0.1, n_jobs=N_JOBS, random_state=seed, verbose=-1
    )
    model.fit(
        X_fit, y_fit, eval_X=(X_val,), eval_y=(y_val,), eval_metric="auc",
        callbacks=[lgb.early_stopping(20, verbose=False)],
    )  # fmt: skip
    return model, time.perf_counter() - start


def auc(model: lgb.LGBMClassifier, X: pd.DataFrame, y: np.ndarray) -> float:
    return float(roc_auc_score(y, model.predict_proba(X)[:, 1]))


def split(raw: pd.DataFrame, label: str, seed: int, max_train: int):
    """The labels as 0/1 (the last label value is 1), and the positions of
    the training and test rows of split `seed` (70/30, stratified; at most
    `max_train` training rows, drawn with the same seed)."""
    y_all = (raw[label] == sorted(raw[label].unique())[-1]).to_numpy(np.int8)
    idx_tr, idx_te = train_test_split(
        np.arange(len(raw)), test_size=0.3, stratify=y_all, random_state=seed
    )
    if len(idx_tr) > max_train:
        idx_tr = np.random.default_rng(seed).choice(idx_tr, max_train, replace=False)
    return y_all, idx_tr, idx_te


def one_split(name: str, raw: pd.DataFrame, label: str, seed: int, args, work: Path) -> dict:
    y_all, idx_tr, idx_te = split(raw, label, seed, args.max_train)
    X_all = typed(raw.drop(columns=[label]))
    train_csv = work / f"{name}-{seed}-train.csv"
    raw.iloc[idx_tr].to_csv(train_csv, index=False)
    out = subprocess.run(
        [str(args.bin_dir / "orderings"), str(train_csv), label],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    train_csv.unlink()
    got = json.loads(out.stdout)
    orders: dict[str, list[str]] = dict(got["orderings"])
    X_tr, y_tr = X_all.iloc[idx_tr], y_all[idx_tr]
    X_te, y_te = X_all.iloc[idx_te], y_all[idx_te]
    model, fit_s = fit(X_tr, y_tr, seed)
    base = auc(model, X_te, y_te)
    gains = model.booster_.feature_importance("gain")
    names = list(X_tr.columns)
    orders["lgbm_gain"] = [names[i] for i in np.argsort(-gains, kind="stable")]
    orders["random"] = list(np.random.default_rng(seed).permutation(names))
    n = len(names)
    cells = {}
    for share in KS:
        k = max(3, round(share * n))
        cells[str(share)] = {"k": k}
        for m in METHODS:
            top = orders[m][:k]
            mk, _ = fit(X_tr[top], y_tr, seed)
            cells[str(share)][m] = auc(mk, X_te[top], y_te) - base
    return {
        "data": name, "seed": seed, "features": n, "train_rows": len(idx_tr),
        "auc_all": base, "fit_all_s": fit_s, "cardrank_s": got["seconds"], "cells": cells,
        "orderings": orders,
    }  # fmt: skip


def table(results: list[dict]) -> str:
    rows = []
    by: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        for share, c in r["cells"].items():
            by.setdefault((r["data"], share), []).append(c)
    head = "| data set | k | " + " | ".join(METHODS) + " |"
    rows.append(head)
    rows.append("|---|---:|" + "---:|" * len(METHODS))
    means: dict[str, list[float]] = {m: [] for m in METHODS}
    for (data, share), cs in by.items():
        vals = {m: float(np.mean([c[m] for c in cs])) for m in METHODS}
        for m in METHODS:
            means[m].append(vals[m])
        cell = " | ".join(f"{vals[m]:+.4f}" for m in METHODS)
        rows.append(f"| {data} | {cs[0]['k']} ({float(share):.0%}) | {cell} |")
    mean = " | ".join(f"**{np.mean(means[m]):+.4f}**" for m in METHODS)
    rows.append(f"| **mean of {len(by)} cells** | | {mean} |")
    rows.append("")
    rows.append("| data set | train rows | features | all-features AUC | LightGBM fit s | "
                "rank s | rank + gain s | pairs s (3MR/mRMR) |")  # fmt: skip
    rows.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    per: dict[str, list[dict]] = {}
    for r in results:
        per.setdefault(r["data"], []).append(r)
    for data, rs in per.items():
        s = lambda key: np.mean([r["cardrank_s"][key] for r in rs])  # noqa: E731
        rows.append(
            f"| {data} | {rs[0]['train_rows']} | {rs[0]['features']} | "
            f"{np.mean([r['auc_all'] for r in rs]):.4f} | {np.mean([r['fit_all_s'] for r in rs]):.2f} | "
            f"{s('rank'):.3f} | {s('rank_with_gain'):.3f} | {s('pairs'):.3f} |"
        )
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--max-train", type=int, default=100_000)
    p.add_argument("--click-rows", type=int, default=150_000)
    p.add_argument("--bin-dir", type=Path, default=ROOT / "target" / "release")
    p.add_argument("--out", type=Path, default=ROOT / "bench-out" / "selection")
    p.add_argument("--only", nargs="*", help="data set names (default: all)")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="selection-study-"))
    sets = binary_sets()
    sets.append(click_log(args.bin_dir, args.click_rows, work))
    if args.quick:
        args.seeds = 1
        sets = [s for s in sets if s[0].name.startswith(("uci_vote", "german"))]
    if args.only:
        sets = [s for s in sets if any(s[0].name.startswith(o) for o in args.only)]
    results = []
    for path, label in sets:
        name = path.name.removesuffix(".gz").removesuffix(".csv")
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        for seed in range(args.seeds):
            start = time.perf_counter()
            results.append(one_split(name, raw, label, seed, args, work))
            print(f"{name} seed {seed}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
            (args.out / "results.json").write_text(json.dumps(results, indent=1))
            (args.out / "results.md").write_text(table(results) + "\n")
    shutil.rmtree(work)
    print(table(results))


if __name__ == "__main__":
    main()
