"""Re-runs `orderings` on a selection study's training files and lists every
ordering that differs from the study's results.json.

    python examples/selection_recheck.py RESULTS.json [--bin-dir DIR] [--refit OUT]

The training files are made again exactly as `examples/selection_study.py`
makes them (same splits, seeds and row cap, read from the study's
results), so a change of the core can be checked against a finished study
without refitting LightGBM: the cells of an ordering that did not change
did not change either. With ``--refit OUT`` the splits with an ordering
that changed are fitted again (``selection_study.one_split``, the new
binaries) and OUT gets the study's results.json and results.md with them
in place; each refitted split says which orderings changed and how far the
cells of the others moved (0: the fits are repeatable).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import selection_study as study  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results", type=Path)
    p.add_argument("--bin-dir", type=Path, default=study.ROOT / "target" / "release")
    p.add_argument("--click-rows", type=int, default=150_000)
    p.add_argument("--refit", type=Path, help="refit the changed splits; results into this folder")
    args = p.parse_args()
    results = json.loads(args.results.read_text())
    want = {(r["data"], r["seed"]): r for r in results}
    work = Path(tempfile.mkdtemp(prefix="selection-recheck-"))
    sets = study.binary_sets()
    sets.append(study.click_log(args.bin_dir, args.click_rows, work))
    differ = 0
    for path, label in sets:
        name = path.name.removesuffix(".gz").removesuffix(".csv")
        seeds = sorted(s for d, s in want if d == name)
        if not seeds:
            continue
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        for seed in seeds:
            _, idx_tr, _ = study.split(raw, label, seed, want[(name, seed)]["train_rows"])
            csv = work / "train.csv"
            raw.iloc[idx_tr].to_csv(csv, index=False)
            out = subprocess.run(
                [str(args.bin_dir / "orderings"), str(csv), label],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            got = json.loads(out.stdout)["orderings"]
            changed = []
            for method, order in got.items():
                before = want[(name, seed)]["orderings"].get(method)
                if before is not None and order != before:
                    differ += 1
                    changed.append(method)
                    at = next(i for i, (a, b) in enumerate(zip(order, before)) if a != b)
                    print(f"{name} seed {seed} {method}: differs from position {at + 1}")
            if changed and args.refit:
                refit(name, raw, label, seed, want, changed, args, work)
        print(f"{name}: {len(seeds)} seeds checked", file=sys.stderr)
    print(f"orderings that differ: {differ}")
    if args.refit:
        args.refit.mkdir(parents=True, exist_ok=True)
        merged = [want[(r["data"], r["seed"])] for r in results]
        (args.refit / "results.json").write_text(json.dumps(merged, indent=1))
        (args.refit / "results.md").write_text(study.table(merged) + "\n")
        print(f"results with the refitted splits: {args.refit}")


def refit(name, raw, label, seed, want, changed, args, work) -> None:
    """Fits split (name, seed) again and puts it in ``want``."""
    old = want[(name, seed)]
    opts = types.SimpleNamespace(max_train=old["train_rows"], bin_dir=args.bin_dir)
    new = study.one_split(name, raw, label, seed, opts, work)
    kept = [m for m in study.METHODS if m not in changed]
    moved = max(
        abs(new["cells"][share][m] - old["cells"][share][m]) for share in new["cells"] for m in kept
    )
    print(f"{name} seed {seed}: refitted; the unchanged orderings' cells moved by {moved:.1e}")
    want[(name, seed)] = new


if __name__ == "__main__":
    main()
