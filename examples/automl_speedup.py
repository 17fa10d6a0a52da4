"""Rank first, then AutoML: does a model trained on a fraction of the
features, chosen by cardrank, match the model trained on all of them?

    python examples/automl_speedup.py            # the full study (under 30 min on 2 cores)
    python examples/automl_speedup.py --quick    # a small run (under 3 min): CI's smoke test

Needs `pip install -r requirements-dev.txt` (lightgbm, flaml, xgboost-cpu) and
the extension (`maturin develop --release`). Results go to
`bench-out/automl/results.md` (the tables) and `results.json` (every run).

Data: census_income_kdd, nycflights13_delayed15, adult and
bank_marketing_10pct from ../shared/data (each skipped, with a note, when
absent), and a generated click log (1M rows x 200 features by default: 8
informative columns of 3 to 200,000 values, a coarse copy of one of them, an
XOR pair, three ID-like columns, the rest noise). For each data set and seed,
a stratified 70/30 split; every selector is the first step of a scikit-learn
pipeline, so it ranks the training rows only:

- all features;
- the top 25% and 50% by cardrank's default score, MI - EMI (`adjusted`);
- by the significance z-score (`scoring="z"`);
- by MI - EMI less two null standard deviations (a lower confidence bound);
- by 3MR (`CardinalitySelector(method="3mr")`, when the installed cardrank
  has it; otherwise reported as not available);
- by raw plug-in MI (`scoring="mi"`);
- k random features.

Models: (a) LightGBM, categorical columns as pandas categories, early stopping
on a stratified 15% of the training rows; (b) FLAML AutoML (`metric="roc_auc"`,
its default learners, a fixed time budget) on all features and on the top
25% and 50% by the default score. A column whose every value is a number is
given to the models as a number, any other column as a category; cardrank
reads every value as a category either way.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# LightGBM's OpenMP threads spin while they wait; on a machine whose cores are
# busy with other work that made one fit up to 20x slower. Passive waiting
# costs little on a quiet machine. (Read when lightgbm loads: set it first.)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb  # noqa: E402
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectorMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

import cardrank
from cardrank.sklearn import CardinalitySelector

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
N_JOBS = 2

# file, label column, positive class, columns that are IDs in disguise
REAL = [
    ("census_income_kdd.csv.gz", "income", "50000+.", ["instance_weight"]),
    ("nycflights13_delayed15.csv.gz", "delayed15", "1", []),
    ("adult.csv.gz", "income", ">50K", []),
    ("bank_marketing_10pct.csv.gz", "y", "yes", ["id"]),
]
ID_LIKE = {name.removesuffix(".csv.gz"): ids for name, _, _, ids in REAL if ids}
ID_LIKE["click"] = ["id_row", "id_user", "id_session"]
# the click log's informative columns: (levels, sd of the per-level logit effect)
INFORMATIVE = [
    (3, 0.5),
    (12, 0.5),
    (60, 0.5),
    (400, 0.6),
    (3_000, 0.6),
    (20_000, 0.8),
    (200_000, 1.0),
    (50_000, 0.4),
]
SIGNAL = [f"inf_c{n}" for n, _ in INFORMATIVE] + ["coarse_of_inf_c3000", "xor_a", "xor_b"]
HAS_3MR = "method" in inspect.signature(CardinalitySelector).parameters


# --------------------------------------------------------------------- data


def _typed(df: pd.DataFrame) -> pd.DataFrame:
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


def load_real(path: Path, label: str, positive: str, max_rows: int | None) -> tuple:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    if max_rows is not None and len(df) > max_rows:
        df = df.sample(n=max_rows, random_state=0)
    y = (df[label].str.rstrip(".") == positive.rstrip(".")).to_numpy(np.int8)
    return _typed(df.drop(columns=[label])), y


def _zipf_codes(rng: np.random.Generator, rows: int, levels: int, s: float) -> np.ndarray:
    """Codes 0..levels-1 with P(level r) ~ 1 / (r + 1)^s, shuffled labels."""
    p = 1.0 / np.arange(1, levels + 1) ** s
    codes = rng.choice(levels, size=rows, p=p / p.sum())
    return rng.permutation(levels)[codes].astype(np.min_scalar_type(levels))


def _category(codes: np.ndarray, levels: int) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=np.arange(levels))


def click_log(rows: int, features: int, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """A generated click log: a few informative columns among many noise
    columns, several of high cardinality; ~5% clicks."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pd.Categorical] = {}
    logit = np.full(rows, -3.4)
    for levels, sd in INFORMATIVE:
        codes = _zipf_codes(rng, rows, levels, 1.1)
        logit += rng.normal(0, sd, levels)[codes]
        cols[f"inf_c{levels}"] = _category(codes, levels)
        if levels == 3_000:  # a coarser copy: redundant with inf_c3000
            coarse = rng.integers(0, 100, levels)[codes]
            cols["coarse_of_inf_c3000"] = _category(coarse, 100)
    a, b = rng.integers(0, 2, rows), rng.integers(0, 2, rows)
    logit += 0.7 * (a ^ b)  # each alone tells nothing; together they do
    cols["xor_a"], cols["xor_b"] = _category(a, 2), _category(b, 2)
    cols["id_row"] = _category(rng.permutation(rows), rows)
    cols["id_user"] = _category(rng.integers(0, rows // 3, rows), rows // 3)
    cols["id_session"] = _category(_zipf_codes(rng, rows, rows // 2, 0.6), rows // 2)
    for i in range(features - len(cols)):
        levels = int(np.exp(rng.uniform(np.log(2), np.log(100_000 if i % 20 == 0 else 2_000))))
        cols[f"noise_{i}_c{levels}"] = _category(_zipf_codes(rng, rows, levels, 1.0), levels)
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return pd.DataFrame(cols), y


# --------------------------------------------------------------- selectors


class ShrunkSelector(SelectorMixin, BaseEstimator):  # type: ignore[misc]
    """The k features with the highest MI - EMI - sds * null_sd (a lower
    confidence bound on MI - EMI; binary targets)."""

    def __init__(self, k: int = 10, sds: float = 2.0) -> None:
        self.k = k
        self.sds = sds

    def fit(self, X: pd.DataFrame, y: Any) -> ShrunkSelector:
        sel = CardinalitySelector(k="all", method="rank").fit(X, y)
        ranking = sel.ranking_.to_pandas().set_index("feature")
        self.feature_names_in_ = sel.feature_names_in_
        self.n_features_in_ = sel.n_features_in_
        r = ranking.loc[list(map(str, self.feature_names_in_))]
        score = (r["adjusted"] - self.sds * r["null_sd"].fillna(0.0)).to_numpy()
        self.mask_ = np.zeros(len(score), bool)
        self.mask_[np.argsort(-score, kind="stable")[: self.k]] = True
        return self

    def _get_support_mask(self) -> np.ndarray:
        return self.mask_


class RandomSelector(SelectorMixin, BaseEstimator):  # type: ignore[misc]
    """k features drawn at random (seeded): the floor any ranking must beat."""

    def __init__(self, k: int = 10, seed: int = 0) -> None:
        self.k = k
        self.seed = seed

    def fit(self, X: pd.DataFrame, y: Any) -> RandomSelector:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.mask_ = np.zeros(X.shape[1], bool)
        self.mask_[np.random.default_rng(self.seed).permutation(X.shape[1])[: self.k]] = True
        return self

    def _get_support_mask(self) -> np.ndarray:
        return self.mask_


# ------------------------------------------------------------------ models


class LightGBMEarlyStop(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM with early stopping on a stratified share of its training rows."""

    def __init__(self, seed: int = 0, valid: float = 0.15, patience: int = 20) -> None:
        self.seed = seed
        self.valid = valid
        self.patience = patience

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> LightGBMEarlyStop:
        start = time.perf_counter()
        X_fit, X_val, y_fit, y_val = train_test_split(
            X, y, test_size=self.valid, stratify=y, random_state=self.seed
        )
        self.model_ = lgb.LGBMClassifier(
            n_estimators=2_000,
            learning_rate=0.1,
            n_jobs=N_JOBS,
            random_state=self.seed,
            verbose=-1,
        )
        self.model_.fit(
            X_fit,
            y_fit,
            eval_X=(X_val,),
            eval_y=(y_val,),
            eval_metric="auc",
            callbacks=[lgb.early_stopping(self.patience, verbose=False)],
        )
        self.classes_ = self.model_.classes_
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.model_.predict_proba(X)


class FlamlAutoML(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """FLAML AutoML with a fixed time budget, ROC AUC as its metric."""

    def __init__(self, budget: float = 20.0, seed: int = 0) -> None:
        self.budget = budget
        self.seed = seed

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> FlamlAutoML:
        from flaml import AutoML

        start = time.perf_counter()
        self.automl_ = AutoML()
        # retrain_full="budget": the final refit on all rows happens only
        # within the budget, so the budget bounds the whole fit.
        self.automl_.fit(
            X,
            y,
            task="classification",
            metric="roc_auc",
            time_budget=self.budget,
            retrain_full="budget",
            n_jobs=N_JOBS,
            seed=self.seed,
            verbose=0,
        )
        self.classes_ = self.automl_.classes_
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.automl_.predict_proba(X)


# -------------------------------------------------------------------- study

# name -> selector factory(k, seed); "all" has none
SELECTORS: dict[str, Callable[[int, int], Any]] = {
    "MI-EMI": lambda k, seed: CardinalitySelector(k=k, method="rank"),
    "z": lambda k, seed: CardinalitySelector(k=k, scoring="z", method="rank"),
    "MI-EMI-2sd": lambda k, seed: ShrunkSelector(k=k),
    "3MR": lambda k, seed: CardinalitySelector(k=k, method="3mr"),
    "MI": lambda k, seed: CardinalitySelector(k=k, scoring="mi", method="rank"),
    "random": lambda k, seed: RandomSelector(k=k, seed=seed),
}
# (selector, share of the features, model, seeds: None for every seed).
# model "select" fits the selector alone: its selection and time, no model.
Plan = list[tuple[str, float, str, int | None]]
PLAN: Plan = (
    [("all", 1.0, "lightgbm", None)]
    + [(s, f, "lightgbm", None) for f in (0.25, 0.5) for s in SELECTORS]
    + [(s, f, "flaml", None) for s, f in [("all", 1.0), ("MI-EMI", 0.5), ("MI-EMI", 0.25)]]
)
PLAN.remove(("MI-EMI-2sd", 0.5, "lightgbm", None))  # the decision is at 25%
# The 1M x 200 click log, where one LightGBM fit on all features takes about
# a minute here and 3MR's pair counting about as long: the claim (all
# features vs MI-EMI top 25% and 50%, LightGBM and FLAML) on every seed; the
# other orderings at 25% on the first seed, and z and MI-EMI-2sd as
# selections only (a few seconds each) on every seed.
PLAN_BIG: Plan = [
    ("all", 1.0, "lightgbm", None),
    ("MI-EMI", 0.25, "lightgbm", None),
    ("MI-EMI", 0.5, "lightgbm", None),
    *[(s, 0.25, "lightgbm", 1) for s in ("z", "MI-EMI-2sd", "3MR", "MI", "random")],
    ("z", 0.25, "select", None),
    ("MI-EMI-2sd", 0.25, "select", None),
] + [p for p in PLAN if p[2] == "flaml"]


@dataclass
class Run:
    data: str
    seed: int
    selector: str
    fraction: float
    model: str
    k: int
    auc: float | None = None
    rank_seconds: float | None = None  # selector fit + transform, inside the pipeline
    fit_seconds: float | None = None  # the model's fit alone
    selected: list[str] = field(default_factory=list)
    note: str = ""


def run_one(run: Run, X_tr, y_tr, X_te, y_te, budget: float) -> Run:
    """Fits [selector ->] model on the training rows; scores the test rows."""
    if run.selector == "3MR" and not HAS_3MR:
        run.note = "not available (this cardrank has no CardinalitySelector(method=...))"
        return run
    if run.model == "select":
        selector = SELECTORS[run.selector](run.k, run.seed)
        start = time.perf_counter()
        selector.fit(X_tr, y_tr)
        run.rank_seconds = time.perf_counter() - start
        run.selected = [str(f) for f in selector.get_feature_names_out()]
        return run
    model = (
        LightGBMEarlyStop(seed=run.seed)
        if run.model == "lightgbm"
        else FlamlAutoML(budget, run.seed)
    )
    steps: list[tuple[str, Any]] = [("model", model)]
    if run.selector != "all":
        selector = SELECTORS[run.selector](run.k, run.seed).set_output(transform="pandas")
        steps.insert(0, ("select", selector))
    pipe = Pipeline(steps)
    start = time.perf_counter()
    pipe.fit(X_tr, y_tr)
    total = time.perf_counter() - start
    run.fit_seconds = model.fit_seconds_
    run.rank_seconds = total - model.fit_seconds_ if run.selector != "all" else 0.0
    run.auc = float(roc_auc_score(y_te, pipe.predict_proba(X_te)[:, 1]))
    if run.selector != "all":
        run.selected = [str(f) for f in pipe[:-1].get_feature_names_out()]
    return run


def data_sets(args: argparse.Namespace) -> list[tuple[str, Callable[[], tuple], list[str]]]:
    """(name, loader, ID-like columns) of every data set to run."""
    sets = []
    for file, label, positive, ids in REAL:
        path = Path(args.data_dir) / file
        name = file.removesuffix(".csv.gz")
        if not path.exists():
            print(f"skipping {name}: {path} is absent", flush=True)
            continue
        sets.append(
            (name, lambda p=path, lb=label, pos=positive: load_real(p, lb, pos, args.max_rows), ids)
        )
    click = f"click_log_{args.rows // 1000}k_x{args.columns}"
    sets.append((click, lambda: click_log(args.rows, args.columns), ID_LIKE["click"]))
    if args.only:
        sets = [s for s in sets if s[0].startswith(tuple(args.only))]
    return sets


def study(args: argparse.Namespace, start: float) -> list[Run]:
    runs: list[Run] = []
    for name, load, _ in data_sets(args):
        t = time.perf_counter()
        X, y = load()
        print(
            f"\n== {name}: {X.shape[0]:,} rows x {X.shape[1]} features, "
            f"{y.mean():.1%} positive (loaded in {time.perf_counter() - t:.1f} s)",
            flush=True,
        )
        big = X.shape[0] * X.shape[1] > args.big_cells
        plan = PLAN_BIG if big else PLAN
        budget = args.flaml_budget_big if big else args.flaml_budget
        for seed in range(args.seeds):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.3, stratify=y, random_state=seed
            )
            n = X.shape[1]
            for selector, fraction, model, seeds in plan:
                if (model == "flaml" and budget <= 0) or (seeds is not None and seed >= seeds):
                    continue
                k = n if selector == "all" else max(1, math.ceil(fraction * n))
                run = Run(name, seed, selector, fraction, model, k)
                runs.append(run)
                if time.perf_counter() - start > args.max_minutes * 60:
                    run.note = f"skipped: the study passed --max-minutes {args.max_minutes:g}"
                    continue
                run_one(run, X_tr, y_tr, X_te, y_te, budget)
                head = f"  seed {seed} {model:<8} {selector:<10} {fraction:4.0%} k={k:<4}"
                if run.model == "select":
                    print(f"{head} selection only   rank {run.rank_seconds:6.2f} s", flush=True)
                elif run.auc is None:
                    print(f"{head} {run.note}", flush=True)
                else:
                    print(
                        f"{head} AUC {run.auc:.4f}  rank {run.rank_seconds:6.2f} s  "
                        f"fit {run.fit_seconds:6.2f} s",
                        flush=True,
                    )
        del X, y, X_tr, X_te
    return runs


# ------------------------------------------------------------------ report


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else float("nan")


def _auc(runs: list[Run]) -> str:
    aucs = [r.auc for r in runs if r.auc is not None]
    if not aucs:
        return runs[0].note or "n/a"
    sd = f" ± {statistics.stdev(aucs):.4f}" if len(aucs) > 1 else ""
    return f"{statistics.mean(aucs):.4f}{sd}"


def id_like_selected(runs: list[Run]) -> dict[str, list[str]]:
    """Per data set: 'selector top p%: column' for every ID-like column that a
    selection kept in any seed."""
    found: dict[str, list[str]] = {}
    for r in runs:
        ids = ID_LIKE.get(r.data.split("_")[0] if r.data.startswith("click") else r.data, [])
        for c in ids:
            hit = f"{r.selector} top {r.fraction:.0%}: {c}"
            if c in r.selected and hit not in found.setdefault(r.data, []):
                found[r.data].append(hit)
    return found


def report(runs: list[Run], header: str) -> str:
    groups: dict[tuple[str, str, str, float], list[Run]] = {}
    for r in runs:
        groups.setdefault((r.data, r.model, r.selector, r.fraction), []).append(r)

    def done(key: tuple[str, str, str, float]) -> list[Run]:
        return [r for r in groups.get(key, []) if r.auc is not None]

    def auc(key: tuple[str, str, str, float]) -> float:
        return _mean([r.auc for r in done(key) if r.auc is not None])

    def fit(key: tuple[str, str, str, float]) -> float:
        return _mean([r.fit_seconds for r in done(key) if r.fit_seconds is not None])

    lines = [
        header,
        "",
        "### The questions, per data set",
        "",
        "LightGBM unless said; AUC is test ROC AUC, the mean over seeds; *rank s* is the "
        "selector's fit and transform inside the pipeline, next to one all-features fit.",
        "",
        "| data | all features: AUC (fit s) | MI-EMI top 50%: AUC - all | within 0.005? "
        "| its fit time / all | rank s (share of one fit) | best ordering at 25% | "
        "MI-EMI top 25%: AUC - all | FLAML, same budget: all / top 50% / top 25% |",
        "|---|---|---:|---|---:|---:|---|---:|---|",
    ]
    data_names = list(dict.fromkeys(r.data for r in runs))
    for d in data_names:
        a_all, f_all = auc((d, "lightgbm", "all", 1.0)), fit((d, "lightgbm", "all", 1.0))
        top = (d, "lightgbm", "MI-EMI", 0.5)
        if not done(top) or a_all != a_all:
            lines.append(f"| {d} | (not run) | | | | | | | |")
            continue
        rank_s = _mean([r.rank_seconds for r in done(top) if r.rank_seconds is not None])
        at25 = {
            k[2]: auc(k)
            for k in groups
            if k[0] == d and k[1] == "lightgbm" and k[3] == 0.25 and done(k)
        }
        ranked = sorted(at25, key=lambda s: -at25[s])
        best = ", ".join(f"{s} {at25[s]:.4f}" for s in ranked[:2])
        flaml = " / ".join(
            f"{auc((d, 'flaml', s, f)):.4f}" if done((d, "flaml", s, f)) else "n/a"
            for s, f in [("all", 1.0), ("MI-EMI", 0.5), ("MI-EMI", 0.25)]
        )
        lines.append(
            f"| {d} | {a_all:.4f} ({f_all:.1f} s) | {auc(top) - a_all:+.4f} | "
            f"{'yes' if auc(top) >= a_all - 0.005 else 'no'} | {fit(top) / f_all:.0%} | "
            f"{rank_s:.2f} ({rank_s / f_all:.1%}) | {best} | "
            f"{at25.get('MI-EMI', float('nan')) - a_all:+.4f} | {flaml} |"
        )

    for d in data_names:
        lines += [
            "",
            f"### {d}",
            "",
            "| features | k | seeds | LightGBM AUC (± sd) | AUC - all | fit s | fit / all "
            "| rank s | FLAML AUC at the same budget | FLAML fit s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        a_all, f_all = auc((d, "lightgbm", "all", 1.0)), fit((d, "lightgbm", "all", 1.0))
        base = (
            set(done((d, "lightgbm", "MI-EMI", 0.25))[0].selected)
            if done((d, "lightgbm", "MI-EMI", 0.25))
            else set()
        )
        for key, rs in groups.items():
            if key[0] != d or key[1] == "flaml":
                continue
            what = "all" if key[2] == "all" else f"{key[2]} top {key[3]:.0%}"
            fl = (d, "flaml", key[2], key[3])
            fl_auc = _auc(groups[fl]) if fl in groups else ""
            fl_fit = f"{fit(fl):.1f}" if done(fl) else ""
            rank_s = _mean([r.rank_seconds for r in rs if r.rank_seconds is not None])
            if key[1] == "select":
                same = len(base & set(rs[0].selected))
                lines.append(
                    f"| {what} | {rs[0].k} | {len(rs)} | selection only: {same} of its {rs[0].k} "
                    f"in MI-EMI's top {key[3]:.0%} (seed 0) | | | | {rank_s:.2f} | | |"
                )
            elif not done(key):
                lines.append(
                    f"| {what} | {rs[0].k} | 0 | {_auc(rs)} | | | | | {fl_auc} | {fl_fit} |"
                )
            else:
                lines.append(
                    f"| {what} | {rs[0].k} | {len(done(key))} | {_auc(rs)} | "
                    f"{auc(key) - a_all:+.4f} | {fit(key):.2f} | {fit(key) / f_all:.2f} "
                    f"| {rank_s:.2f} | {fl_auc} | {fl_fit} |"
                )

    lines += ["", "### ID-like columns in the selections", ""]
    found = id_like_selected(runs)
    for d in data_names:
        ids = ID_LIKE.get(d.split("_")[0] if d.startswith("click") else d, [])
        if ids:
            hits = found.get(d, [])
            lines.append(
                f"- {d} ({', '.join(ids)}): " + ("; ".join(hits) if hits else "in no selection")
            )
    signal = [r for r in runs if r.data.startswith("click") and r.selected]
    if signal:
        lines += [
            "",
            "### Click log: signal columns kept at 25% (of 11: inf_*, coarse_*, xor_*)",
            "",
        ]
        for r in signal:
            if r.fraction == 0.25 and r.model != "flaml":
                kept = [f for f in r.selected if f.startswith(("inf_", "coarse_", "xor_"))]
                missed = sorted(set(SIGNAL) - set(kept))
                lines.append(
                    f"- seed {r.seed}, {r.selector} ({r.model}): {len(kept)}"
                    + (f", without {', '.join(missed)}" if missed else "")
                )
    lines += ["", "### Kept by MI-EMI top 25% (seed 0)", ""]
    for d in data_names:
        g = done((d, "lightgbm", "MI-EMI", 0.25))
        if g:
            lines.append(f"- {d}: {', '.join(g[0].selected)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=("small run: 1 seed, real data sampled to 20k rows, a 50k x 40 click log, FLAML 3 s"),
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="click log rows")
    parser.add_argument("--columns", type=int, default=200, help="click log features")
    parser.add_argument("--max-rows", type=int, help="sample each real data set down to this")
    parser.add_argument(
        "--flaml-budget",
        type=float,
        default=5.0,
        help="seconds per FLAML fit (default 5; 0: no FLAML)",
    )
    parser.add_argument(
        "--flaml-budget-big",
        type=float,
        default=12.0,
        help="seconds per FLAML fit on the click log (default 12)",
    )
    parser.add_argument(
        "--big-cells",
        type=int,
        default=50_000_000,
        help=("data sets with more rows x features run fewer configurations (default 5e7)"),
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=29.0,
        help=("skip (and report) the runs that would start after this (default 29)"),
    )
    parser.add_argument("--only", nargs="*", help="data sets whose names start with these")
    parser.add_argument("--data-dir", default=str(DATA), help="default ../shared/data")
    parser.add_argument("--out", default=str(ROOT / "bench-out" / "automl"))
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.rows, args.columns = 1, 50_000, 40
        args.max_rows = args.max_rows or 20_000
        args.flaml_budget = min(args.flaml_budget, 3.0)
        args.flaml_budget_big = min(args.flaml_budget_big, 3.0)

    logging.getLogger("flaml.automl.logger").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # FLAML's linear learners
    start = time.perf_counter()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    runs = study(args, start)
    wall = time.perf_counter() - start

    import flaml
    import sklearn

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    header = (
        f"Command: `python {' '.join(['examples/automl_speedup.py', *sys.argv[1:]])}`, "
        f"started {started}, {wall / 60:.1f} min in all (load average {load:.1f} at the end). "
        f"Machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, cardrank {cardrank.__version__}, "
        f"lightgbm {lgb.__version__}, flaml {flaml.__version__}, "
        f"scikit-learn {sklearn.__version__}; 3MR {'available' if HAS_3MR else 'not available'}; "
        f"seeds {args.seeds}; FLAML budget {args.flaml_budget:g} s "
        f"({args.flaml_budget_big:g} s on the click log); n_jobs {N_JOBS}."
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = report(runs, header)
    (out / "results.md").write_text(table)
    (out / "results.json").write_text(
        json.dumps(
            {
                "header": header,
                "wall_seconds": wall,
                "has_3mr": HAS_3MR,
                "runs": [asdict(r) for r in runs],
            },
            indent=1,
        )
    )
    print("\n" + table)
    print(f"wrote {out / 'results.md'} and {out / 'results.json'} in {wall:.0f} s")


if __name__ == "__main__":
    main()
