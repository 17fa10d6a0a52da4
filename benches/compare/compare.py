"""Side-by-side comparison of cardrank with what users would pick instead (issue 7).

Run it through ``bash benches/compare/run.sh`` (which builds cardrank, makes
the virtual environment and generates the data); this file is the driver it
calls, and also the worker that the driver starts once per tool::

    python compare.py run --dataset 200k=/tmp/d/clicks_200k.csv --cardrank BIN --out DIR
    python compare.py worker TOOL --csv FILE --codes FILE.npy --result OUT.json

Every tool runs as a separate process on the same generated CSV. The driver
measures each process's wall time (``time.perf_counter`` around it), CPU time
and peak resident memory (``os.wait4``: user + system time of the process and
its waited-for children; ``ru_maxrss``, the largest single process of the
tree, as ``/usr/bin/time -v`` reports it), and scores the ranking the tool
returns against the generator's ground truth (``FILE.truth.json``). Tools
that take under ``--repeat-below`` seconds run ``--repeat`` times; medians
are reported. With ``--deadline``, whatever still runs at the deadline is
stopped and reported as ``> T s``; ``outrank --subsampling 1`` is also
stopped once it has taken ``--outrank-stop-at-ratio`` times as long as
``cardrank rank`` (the ">= 200x" target is decided then).

What is timed
-------------
*process wall*: the whole process, interpreter start, imports and reading
the data included. This is the figure for the tools that read the CSV
themselves (``cardrank rank``, ``outrank``).

*timed*: for tools that work on data already in memory, only the work itself,
measured inside the worker with ``time.perf_counter``. The data is loaded
first, untimed:

- ``cardrank-py`` gets a pyarrow Table of strings (as ``read_csv`` returns
  it): the ranking includes encoding every string.
- The scikit-learn loops, the numpy floor and ``cardrank-py codes`` get the
  same integer codes: every column dictionary-encoded once by pyarrow, in a
  separate ``prep`` process whose time is reported (``factorize``). This is
  the most favourable input for scikit-learn (given strings, its
  ``np.unique`` would have to sort them for every call).
- ``mrmr_classif`` gets a pandas DataFrame of strings and encodes them itself
  (``cat_features`` = every feature, its default leave-one-out encoding),
  because integer codes would be treated as numbers. It selects K = k
  features (``--mrmr-k``), the top k that is scored.
- The pyarrow rows time ``pyarrow.csv.read_csv`` alone.

The numpy floor is one pass of ``np.bincount(codes * 2 + y)`` per feature over
the already-integer-coded columns: the least work any exact counting method
must do. Its ranking is by plug-in MI computed from those counts (that step is
reported separately and is a few milliseconds).

Ranking quality
---------------
With k = the number of truly informative features (7 with the generator's
defaults): the number of noise features in the top k, the rank of
``inf_c100k`` (informative, 100,000 levels, about two rows per level at 200k
rows) and the rank of ``row_id_like`` (a unique value per row, pure noise).
Rank 1 is the best.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

TARGET = "click"
HIGH_CARD_FEATURE = "inf_c100k"
ID_FEATURE = "row_id_like"
HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------
# Workers: each runs in its own process and writes one JSON result.
# --------------------------------------------------------------------------


def _header(csv: str) -> list[str]:
    with open(csv, encoding="utf-8") as f:
        return f.readline().rstrip("\r\n").split(",")


def _read_strings(csv: str) -> Any:
    """The CSV as a pyarrow Table with every column a string ("" stays "")."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {name: pa.string() for name in _header(csv)}
    return pacsv.read_csv(csv, convert_options=pacsv.ConvertOptions(column_types=types))


def _load_codes(codes: str) -> tuple[list[str], list[int], Any, Any]:
    """Feature names, their numbers of levels, the int32 code matrix
    (features x rows) and the 0/1 target (int64)."""
    import numpy as np

    with open(codes + ".json", encoding="utf-8") as f:
        doc = json.load(f)
    matrix = np.load(codes)
    target = matrix[0].astype(np.int64)
    return doc["features"], doc["levels"], matrix[1:], target


class Stopwatch:
    """Wall time and CPU time (all threads of this process) of a `with` block."""

    def __enter__(self) -> Stopwatch:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def _ranking(names: list[str], scores: list[float]) -> list[str]:
    """Feature names sorted by score, best first (ties by name)."""
    return [n for _, n in sorted(zip(scores, names, strict=True), key=lambda t: (-t[0], t[1]))]


def work_prep(args: argparse.Namespace) -> dict[str, Any]:
    """Dictionary-encode every column once; the inputs of the code-based tools."""
    import numpy as np

    table = _read_strings(args.csv)
    names = [n for n in table.column_names if n != TARGET]
    t0 = time.perf_counter()
    rows, levels = [], []
    for name in [TARGET, *names]:
        encoded = table.column(name).combine_chunks().dictionary_encode()
        rows.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False))
        levels.append(len(encoded.dictionary))
    factorize_s = time.perf_counter() - t0
    # The target's codes are 0/1 in order of first appearance: make 1 mean "1".
    target_dict = table.column(TARGET).combine_chunks().dictionary_encode().dictionary.to_pylist()
    if target_dict != ["0", "1"]:
        rows[0] = (rows[0] == target_dict.index("1")).astype(np.int32)
    np.save(args.codes, np.stack(rows))
    with open(args.codes + ".json", "w", encoding="utf-8") as f:
        json.dump({"features": names, "levels": levels[1:]}, f)
    return {"timings": {"factorize_s": factorize_s}, "rows": table.num_rows}


def work_pyarrow_read(args: argparse.Namespace, infer: bool) -> dict[str, Any]:
    """Time pyarrow.csv.read_csv: every column as string, or with type inference."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    opts = pacsv.ConvertOptions()
    if not infer:
        opts = pacsv.ConvertOptions(column_types={n: pa.string() for n in _header(args.csv)})
    with Stopwatch() as sw:
        table = pacsv.read_csv(args.csv, convert_options=opts)
    return {"timings": {"timed_s": sw.wall, "timed_cpu_s": sw.cpu}, "rows": table.num_rows}


def work_cardrank_py(args: argparse.Namespace, codes: bool) -> dict[str, Any]:
    """cardrank's Python API on a table already in memory (strings or int codes)."""
    try:
        import cardrank
    except ImportError as e:  # the hook: reported as "not available"
        return {"unavailable": f"cannot import cardrank: {e}"}
    import pyarrow as pa

    t0 = time.perf_counter()
    if codes:
        names, _, matrix, target = _load_codes(args.codes)
        cols = {TARGET: pa.array(target.astype("int32"))}
        cols.update({n: pa.array(matrix[i]) for i, n in enumerate(names)})
        table = pa.table(cols)
    else:
        table = _read_strings(args.csv)
    load_s = time.perf_counter() - t0
    with Stopwatch() as sw:
        ranking = cardrank.rank(table, target=TARGET, output="dict")
    return {
        "timings": {"load_s": load_s, "timed_s": sw.wall, "timed_cpu_s": sw.cpu},
        "ranking": [r["feature"] for r in ranking],
        "version": getattr(cardrank, "__version__", "?"),
        "module": cardrank.__file__,
    }


def work_numpy_floor(args: argparse.Namespace) -> dict[str, Any]:
    """One np.bincount(codes * 2 + y) per feature: the floor of exact counting."""
    import numpy as np

    names, levels, matrix, y = _load_codes(args.codes)
    classes = int(y.max()) + 1
    with Stopwatch() as sw:
        tables = [
            np.bincount(col * classes + y, minlength=lv * classes)  # int32 * int64 -> int64
            for col, lv in zip(matrix, levels, strict=True)
        ]
    # Plug-in MI from the counts, for the ranking (not part of the floor).
    t0 = time.perf_counter()
    n = float(len(y))
    scores = []
    for t in tables:
        t = t.reshape(-1, classes).astype(np.float64)
        a = t.sum(axis=1, keepdims=True)
        b = t.sum(axis=0, keepdims=True)
        nz = t > 0
        scores.append(float(np.sum(t[nz] / n * np.log(n * t[nz] / (a @ b)[nz]))))
    mi_s = time.perf_counter() - t0
    return {
        "timings": {"timed_s": sw.wall, "timed_cpu_s": sw.cpu, "mi_from_counts_s": mi_s},
        "ranking": _ranking(names, scores),
    }


def work_sklearn(args: argparse.Namespace, which: str) -> dict[str, Any]:
    """scikit-learn's MI, AMI (one call per feature) or mutual_info_classif."""
    import numpy as np
    from sklearn.feature_selection import mutual_info_classif
    from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

    names, _, matrix, y = _load_codes(args.codes)
    with Stopwatch() as sw:
        if which == "mi":
            scores = [mutual_info_score(col, y) for col in matrix]
        elif which == "ami":
            scores = [adjusted_mutual_info_score(y, col) for col in matrix]
        else:
            x = np.ascontiguousarray(matrix.T)
            scores = list(mutual_info_classif(x, y, discrete_features=True, random_state=0))
    return {
        "timings": {"timed_s": sw.wall, "timed_cpu_s": sw.cpu},
        "ranking": _ranking(names, [float(s) for s in scores]),
    }


def work_mrmr(args: argparse.Namespace) -> dict[str, Any]:
    """mrmr-selection's mrmr_classif on a pandas DataFrame of strings."""
    from mrmr import mrmr_classif

    t0 = time.perf_counter()
    df = _read_strings(args.csv).to_pandas().astype(object)
    y = (df.pop(TARGET) == "1").astype(int)
    load_s = time.perf_counter() - t0
    features = list(df.columns)
    k = len(features) if args.mrmr_k <= 0 else min(args.mrmr_k, len(features))
    with Stopwatch() as sw:
        selected = mrmr_classif(X=df, y=y, K=k, cat_features=features, show_progress=False)
    # Its joblib workers are separate processes, outside this process's CPU
    # timer: the driver reports the whole process tree's CPU time instead.
    return {
        "timings": {"load_s": load_s, "timed_s": sw.wall},
        "ranking": list(selected),
        "ranked_only": k,
    }


WORKERS = {
    "prep": work_prep,
    "pyarrow-read-str": lambda a: work_pyarrow_read(a, infer=False),
    "pyarrow-read-infer": lambda a: work_pyarrow_read(a, infer=True),
    "cardrank-py": lambda a: work_cardrank_py(a, codes=False),
    "cardrank-py-codes": lambda a: work_cardrank_py(a, codes=True),
    "numpy-floor": work_numpy_floor,
    "sklearn-mi": lambda a: work_sklearn(a, "mi"),
    "sklearn-ami": lambda a: work_sklearn(a, "ami"),
    "sklearn-mic": lambda a: work_sklearn(a, "mic"),
    "mrmr": work_mrmr,
}


def worker_main(args: argparse.Namespace) -> int:
    try:
        result = WORKERS[args.tool](args)
    except ImportError as e:  # a tool whose package could not be installed
        result = {"unavailable": f"cannot import: {e}"}
    with open(args.result, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 3 if "unavailable" in result else 0


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


@dataclass
class Tool:
    """One row of the comparison."""

    name: str
    label: str  # as shown in the table
    timed: str  # what the "timed" column measures
    basis: str  # "file": compare with `cardrank rank`; "memory": with cardrank-py
    ranks: bool = True
    repeatable: bool = True  # rerun when fast, report the median


TOOLS = [
    Tool("pyarrow-read-str", "`pyarrow.csv.read_csv`, all columns string", "read", "file", ranks=False),
    Tool("pyarrow-read-infer", "`pyarrow.csv.read_csv`, type inference", "read", "file", ranks=False),
    Tool("cardrank-cli", "**`cardrank rank FILE`** (CLI)", "process", "file"),
    Tool("cardrank-py", "**`cardrank.rank(table)`**, strings in memory", "rank", "memory"),
    Tool("cardrank-py-codes", "**`cardrank.rank(table)`**, int codes in memory", "rank", "memory"),
    Tool("numpy-floor", "numpy `bincount` pass over int codes (floor)", "count", "memory"),
    Tool("sklearn-mi", "scikit-learn `mutual_info_score` loop", "rank", "memory"),
    Tool("sklearn-ami", "scikit-learn `adjusted_mutual_info_score` loop", "rank", "memory"),
    Tool("sklearn-mic", "scikit-learn `mutual_info_classif(discrete)`", "rank", "memory"),
    Tool("outrank-default", "`outrank --task ranking` (default subsampling 10)", "process", "file",
         repeatable=False),
    Tool("outrank-full", "`outrank --task ranking --subsampling 1`", "process", "file",
         repeatable=False),
    # Last: no target depends on it, so if the time budget runs out it is cut first.
    Tool("mrmr", "mrmr-selection `mrmr_classif` (cat. features, top k)", "rank", "memory", repeatable=False),
]
TOOL_BY_NAME = {t.name: t for t in TOOLS}


@dataclass
class Measured:
    """One process run: wall time, peak RSS, exit status."""

    wall_s: float
    cpu_s: float  # user + sys of the process and its waited-for children
    max_rss_kb: int
    exit_code: int
    timed_out: bool


def run_measured(cmd: list[str], *, cwd: str | None, stdout: str, stderr: str,
                 timeout: float | None, env: dict[str, str] | None = None) -> Measured:
    """Runs `cmd` as its own process group; wall time and peak RSS of its tree.

    `os.wait4` reports the child's resource use including its waited-for
    descendants; `ru_maxrss` is the largest resident set among them (KB).
    On timeout the whole process group is killed.
    """
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        # Leftover grandchildren (pool workers) of a killed tool.
        if timed_out.is_set():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(wall, cpu, int(usage.ru_maxrss), proc.returncode, timed_out.is_set())


@dataclass
class Result:
    """Everything recorded about one tool on one data set."""

    tool: str
    dataset: str
    status: str = "ok"  # ok | timeout | error | unavailable | skipped
    note: str = ""
    timed_s: float | None = None  # median over runs
    wall_s: float | None = None  # median over runs
    cpu_s: float | None = None  # CPU seconds of the timed part (or the process), median
    max_rss_mb: float | None = None  # max over runs
    runs: list[dict[str, Any]] = field(default_factory=list)
    ranking: list[str] | None = None
    ranked_only: int | None = None
    quality: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    load_avg: tuple[float, float, float] | None = None


def score_ranking(ranking: list[str], truth: dict[str, Any], ranked_only: int | None) -> dict[str, Any]:
    """Noise features in the top k, and the ranks of inf_c100k and row_id_like."""
    k = len(truth["informative"])
    noise = set(truth["noise"])
    top = ranking[:k]

    def rank_of(name: str) -> int | str | None:
        if name in ranking:
            return ranking.index(name) + 1
        if ranked_only is not None and len(ranking) >= ranked_only:
            return f"> {ranked_only}"
        return "not ranked"

    return {
        "k": k,
        "noise_in_top_k": sum(1 for f in top if f in noise),
        "informative_in_top_k": sum(1 for f in top if f in truth["informative"]),
        "rank_high_card": rank_of(HIGH_CARD_FEATURE),
        "rank_id_like": rank_of(ID_FEATURE),
        "features_ranked": len(ranking),
    }


_OUTRANK_SUFFIX = re.compile(r"-\(\d+; \d+\)$")


def parse_outrank(out_dir: Path) -> list[str]:
    """Feature order from outrank's pairwise_ranks.tsv (feature-label rows)."""
    scores: dict[str, float] = {}
    with open(out_dir / "pairwise_ranks.tsv", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ia, ib, isc = header.index("FeatureA"), header.index("FeatureB"), header.index("Score")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            a = _OUTRANK_SUFFIX.sub("", parts[ia])
            b = _OUTRANK_SUFFIX.sub("", parts[ib])
            if b == TARGET and a != TARGET:
                scores[a] = float(parts[isc])
            elif a == TARGET and b != TARGET:
                scores[b] = float(parts[isc])
    names = list(scores)
    return _ranking(names, [scores[n] for n in names])


class Driver:
    """Runs every tool on every data set and writes the results."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.logs = self.out / "logs"
        self.logs.mkdir(exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix="cardrank-compare-", dir=args.work))
        self.deadline = args.deadline or None
        self.results: list[Result] = []
        self.meta: dict[str, Any] = {}
        self.started = time.time()
        self.mrmr_k = args.mrmr_k  # -1: k of the data set at hand

    # -- helpers ---------------------------------------------------------

    def log(self, msg: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(f"[{stamp}] {msg}", file=sys.stderr, flush=True)

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.time()

    def worker_cmd(self, tool: str, csv: str, codes: str, result: Path, python: str) -> list[str]:
        return [python, str(Path(__file__).resolve()), "worker", tool, "--csv", csv,
                "--codes", codes, "--result", str(result), "--mrmr-k", str(self.mrmr_k)]

    def one_run(self, tool: str, label: str, csv: str, codes: str,
                timeout: float | None) -> tuple[Measured, dict[str, Any]]:
        """One process of `tool`; returns its measurement and its payload."""
        tag = f"{label}.{tool}"
        stdout, stderr = str(self.logs / f"{tag}.out"), str(self.logs / f"{tag}.err")
        payload: dict[str, Any] = {}
        if tool == "cardrank-cli":
            cmd = [self.args.cardrank, "rank", csv, "--target", TARGET, "--json", "--quiet"]
            m = run_measured(cmd, cwd=None, stdout=stdout, stderr=stderr, timeout=timeout)
            if m.exit_code == 0:
                try:
                    with open(stdout, encoding="utf-8") as f:
                        doc = json.load(f)
                    payload = {"ranking": [r["feature"] for r in doc["features"]],
                               "timings": {"internal_s": doc.get("seconds")}}
                except (OSError, ValueError, KeyError) as e:
                    payload = {"parse_error": f"unreadable --json output: {e}"}
        elif tool.startswith("outrank"):
            run_dir = self.work / f"{tag}"
            shutil.rmtree(run_dir, ignore_errors=True)
            (run_dir / "data").mkdir(parents=True)
            # outrank's csv-raw source reads DATA_PATH/data.csv.
            (run_dir / "data" / "data.csv").symlink_to(Path(csv).resolve())
            cmd = [str(Path(self.args.python).parent / "outrank"), "--task", "ranking",
                   "--data_path", "data", "--data_source", "csv-raw",
                   "--label_column", TARGET, "--output_folder", "out",
                   "--num_threads", str(self.args.threads)]
            if tool == "outrank-full":
                cmd += ["--subsampling", "1"]
            if not Path(cmd[0]).exists():
                return Measured(0.0, 0.0, 0, 3, False), {"unavailable": f"{cmd[0]} not installed"}
            m = run_measured(cmd, cwd=str(run_dir), stdout=stdout, stderr=stderr, timeout=timeout)
            if m.exit_code == 0:
                try:
                    payload = {"ranking": parse_outrank(run_dir / "out")}
                except (OSError, ValueError, IndexError) as e:
                    payload = {"parse_error": f"unreadable pairwise_ranks.tsv: {e}"}
            payload["command"] = " ".join(cmd[1:])
        else:
            python, env = self.args.python, None
            if tool.startswith("cardrank-py"):
                python = self.args.cardrank_python
                if self.args.cardrank_pythonpath:
                    env = dict(os.environ, PYTHONPATH=self.args.cardrank_pythonpath)
            result = self.work / f"{tag}.json"
            result.unlink(missing_ok=True)
            cmd = self.worker_cmd(tool, csv, codes, result, python)
            m = run_measured(cmd, cwd=None, stdout=stdout, stderr=stderr, timeout=timeout, env=env)
            if result.exists():
                with open(result, encoding="utf-8") as f:
                    payload = json.load(f)
        return m, payload

    # -- one tool ----------------------------------------------------------

    def run_tool(self, tool: Tool, label: str, csv: str, codes: str,
                 truth: dict[str, Any]) -> Result:
        res = Result(tool.name, label)
        timeout = self.args.tool_timeout
        if tool.name.startswith("outrank"):
            timeout = self.args.outrank_timeout
        cli = _find(self.results, label, "cardrank-cli")
        stop_note = ""
        if (tool.name == "outrank-full" and self.args.outrank_stop_at_ratio > 0 and cli
                and cli.status == "ok" and cli.wall_s):
            # Past this the ">= 200x" target is decided; the rest is waiting.
            stop = self.args.outrank_stop_at_ratio * cli.wall_s
            if stop < timeout:
                timeout = stop
                stop_note = f"stopped at {self.args.outrank_stop_at_ratio:g}x cardrank's wall"
        left = self.remaining()
        if left is not None:
            # Keep a reserve for writing results; never run a tool past the deadline.
            left -= self.args.reserve
            if left < 5:
                res.status, res.note = "skipped", "time budget of the whole run used up"
                return res
            if timeout is None or left < timeout:
                timeout = left
                stop_note = "stopped: time budget of the whole run used up"
        res.load_avg = os.getloadavg()
        self.log(f"{label}: {tool.name} (timeout {timeout:.0f} s)" if timeout else f"{label}: {tool.name}")
        walls: list[float] = []
        timeds: list[float] = []
        cpus: list[float] = []
        rss: list[int] = []
        repeats = self.args.repeat if tool.repeatable else 1
        for i in range(repeats):
            m, payload = self.one_run(tool.name, label, csv, codes, timeout)
            res.runs.append({"wall_s": m.wall_s, "cpu_s": m.cpu_s, "max_rss_kb": m.max_rss_kb,
                             "exit": m.exit_code, "timed_out": m.timed_out,
                             "timings": payload.get("timings", {})})
            rss.append(m.max_rss_kb)
            if m.timed_out:
                res.status, res.note = "timeout", stop_note or f"killed after {m.wall_s:.0f} s"
                res.wall_s = m.wall_s
                break
            if "unavailable" in payload:
                res.status, res.note = "unavailable", payload["unavailable"]
                break
            if m.exit_code != 0 or (tool.ranks and "ranking" not in payload):
                res.status = "error"
                err = Path(self.logs / f"{label}.{tool.name}.err").read_text(errors="replace")
                last = payload.get("parse_error") or (err.strip().splitlines() or ["?"])[-1][:200]
                res.note = f"exit {m.exit_code}: {last}"
                break
            walls.append(m.wall_s)
            timed = payload.get("timings", {}).get("timed_s")
            timeds.append(m.wall_s if timed is None else timed)
            timed_cpu = payload.get("timings", {}).get("timed_cpu_s")
            cpus.append(m.cpu_s if timed_cpu is None or tool.timed == "process" else timed_cpu)
            if i == 0:
                res.ranking = payload.get("ranking")
                res.ranked_only = payload.get("ranked_only")
                res.extra = {k: v for k, v in payload.items() if k not in ("ranking", "timings")}
            # Repeat only quick tools, and only while time allows.
            if m.wall_s > self.args.repeat_below:
                break
            left = self.remaining()
            if left is not None and left < self.args.reserve + 5 * m.wall_s:
                break
        res.max_rss_mb = max(rss) / 1024 if rss else None
        if walls:
            res.wall_s = statistics.median(walls)
            res.timed_s = statistics.median(timeds)
            res.cpu_s = statistics.median(cpus)
        if res.ranking is not None and res.status == "ok":
            res.quality = score_ranking(res.ranking, truth, res.ranked_only)
        self.log(f"    {res.status} timed={_fmt_s(res.timed_s)} wall={_fmt_s(res.wall_s)} "
                 f"rss={_fmt_mb(res.max_rss_mb)} {res.quality or ''} {res.note}")
        return res

    # -- everything --------------------------------------------------------

    def run(self) -> int:
        try:
            return self._run()
        finally:
            shutil.rmtree(self.work, ignore_errors=True)

    def _run(self) -> int:
        wanted = self.args.tools.split(",") if self.args.tools else [t.name for t in TOOLS]
        unknown = [w for w in wanted if w not in TOOL_BY_NAME]
        if unknown:
            raise SystemExit(f"unknown tools: {', '.join(unknown)}")
        self.meta = machine_info(self.args)
        for spec in self.args.dataset:
            label, _, csv = spec.partition("=")
            with open(csv + ".truth.json", encoding="utf-8") as f:
                truth = json.load(f)
            codes = str(self.work / f"codes_{label}.npy")
            if self.args.mrmr_k < 0:
                self.mrmr_k = len(truth["informative"])
            self.log(f"{label}: encoding columns to integer codes (prep) ...")
            m, payload = self.one_run("prep", label, csv, codes, self.args.tool_timeout)
            if m.exit_code != 0:
                raise SystemExit(f"prep failed on {csv}; see {self.logs}")
            prep = Result("prep", label, timed_s=payload["timings"]["factorize_s"], wall_s=m.wall_s,
                          max_rss_mb=m.max_rss_kb / 1024, load_avg=os.getloadavg())
            prep.extra = {"rows": payload["rows"], "csv_bytes": os.path.getsize(csv)}
            self.results.append(prep)
            for name in wanted:
                self.results.append(self.run_tool(TOOL_BY_NAME[name], label, csv, codes, truth))
                self.write()
        self.meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        self.meta["uptime_end"] = _uptime()
        self.meta["elapsed_s"] = time.time() - self.started
        self.write()
        print(render_markdown(self.meta, self.results))
        return 0

    def write(self) -> None:
        doc = {"meta": self.meta, "results": [r.__dict__ for r in self.results]}
        (self.out / "results.json").write_text(json.dumps(doc, indent=1, default=str))
        (self.out / "results.md").write_text(render_markdown(self.meta, self.results))


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _git_describe() -> str:
    """The commit measured, and whether the work tree had changes."""
    root = HERE.parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" with uncommitted changes" if dirty else "")


def machine_info(args: argparse.Namespace) -> dict[str, Any]:
    """Cores, memory, CPU, versions: printed beside the figures."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = f"{int(line.split()[1]) / 1024 / 1024:.1f}"
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in ("outrank", "scikit-learn", "numpy", "pandas", "pyarrow", "mrmr-selection",
                "numba", "xxhash", "category-encoders"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        cr = subprocess.run([args.cardrank, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        cr = "?"
    return {
        "git": _git_describe(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": versions,
        "cardrank_cli": cr,
        "threads": args.threads,
        "repeat": args.repeat,
        "uptime_start": _uptime(),
        "command": " ".join(sys.argv),
    }


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _fmt_mb(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _ratio(num: float | None, den: float | None) -> str:
    if not num or not den:
        return "-"
    r = num / den
    return f"{r:,.0f}x" if r >= 10 else f"{r:.2f}x"


def _find(results: list[Result], label: str, tool: str) -> Result | None:
    for r in results:
        if r.dataset == label and r.tool == tool:
            return r
    return None


def _time_cell(r: Result, value: float | None) -> str:
    if r.status == "timeout":
        return f"> {r.wall_s:.0f}"
    if r.status != "ok":
        return r.status
    return _fmt_s(value)


def render_markdown(meta: dict[str, Any], results: list[Result]) -> str:
    """The tables pasted into BENCHMARKS.md: one per data set, then the targets."""
    out = []
    labels = list(dict.fromkeys(r.dataset for r in results))
    for label in labels:
        prep = _find(results, label, "prep")
        cli = _find(results, label, "cardrank-cli")
        py = _find(results, label, "cardrank-py")
        rows = prep.extra.get("rows") if prep else None
        size = f"{prep.extra['csv_bytes'] / 1e6:,.0f} MB" if prep else "?"
        out.append(f"#### {label}: {rows:,} rows x 50 columns ({size} CSV)\n" if rows else f"#### {label}\n")
        out.append("| tool | timed s | CPU s | process wall s | peak RSS MB | time / cardrank's "
                   "| noise in top-k | rank of inf_c100k | rank of row_id_like | load avg |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in results:
            if r.dataset != label or r.tool == "prep":
                continue
            tool = TOOL_BY_NAME[r.tool]
            ref = cli if tool.basis == "file" else py
            ratio = "-"
            if ref and ref.status == "ok" and r is not ref and r.tool not in ("cardrank-py-codes",):
                mine = r.timed_s if r.status == "ok" else (r.wall_s if r.status == "timeout" else None)
                ratio = _ratio(mine, ref.timed_s)
                if r.status == "timeout":
                    ratio = "> " + ratio
            q = r.quality
            noise = f"{q['noise_in_top_k']} of {q['k']}" if q else "-"
            hc = str(q.get("rank_high_card", "-")) if q else "-"
            idl = str(q.get("rank_id_like", "-")) if q else "-"
            load = f"{r.load_avg[0]:.1f}" if r.load_avg else "-"
            wall = _time_cell(r, r.wall_s)
            timed = _time_cell(r, r.timed_s)
            if tool.timed == "process":
                timed = "= wall"
            label_cell = tool.label + (f" ({r.note})" if r.note else "")
            cpu = _fmt_s(r.cpu_s) if r.status == "ok" else "-"
            out.append(f"| {label_cell} | {timed} | {cpu} | {wall} | {_fmt_mb(r.max_rss_mb)} | {ratio} "
                       f"| {noise} | {hc} | {idl} | {load} |")
        out.append("\n*timed*: the tool's own work on data already in memory (see compare.py); "
                   "*CPU*: user + system seconds of the timed part on all threads (of the whole "
                   "process tree for the CLI, outrank and mrmr, whose workers are processes); "
                   "*process wall*: the whole process, reading the data included. "
                   "*time / cardrank's*: rows that read the CSV against `cardrank rank`'s wall, "
                   "in-memory rows against `cardrank.rank` on strings.")
        if prep:
            out.append(f"Integer coding of all 50 columns (the input of the code-based rows, untimed "
                       f"there): {_fmt_s(prep.timed_s)} s (pyarrow `dictionary_encode`).")
        out.append("")
        out.append(render_targets(results, label))
    out.append(
        f"Machine: {meta.get('cores')} cores ({meta.get('cpu')}), {meta.get('memory_gib')} GiB, "
        f"Linux {meta.get('kernel')}, Python {meta.get('python')}. Started {meta.get('started')}; "
        f"`uptime` at start: {meta.get('uptime_start')}; at end: {meta.get('uptime_end', '-')}; "
        f"comparison took {meta.get('elapsed_s', 0):.0f} s.")
    vers = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items() if v)
    out.append(f"\nVersions: {meta.get('cardrank_cli')} (commit {meta.get('git', '?')}); {vers}.\n")
    return "\n".join(out) + "\n"


def render_targets(results: list[Result], label: str) -> str:
    """The issue's four speed targets, met or missed, for one data set."""
    Timing = tuple[float | None, float | None, str]  # wall-clock s, CPU s, status

    def t(tool: str) -> Timing:
        r = _find(results, label, tool)
        if r is None:
            return None, None, "not run"
        if r.status == "timeout":
            return r.wall_s, None, "timeout"
        if r.status != "ok":
            return None, None, r.status
        return r.timed_s, r.cpu_s, "ok"

    lines = ["| target | cardrank s | other s | ratio | met | ratio of CPU s |",
             "|---|---:|---:|---:|---|---:|"]

    def row(name: str, mine: Timing, other: Timing, need: float, faster: bool = True) -> None:
        m, o = mine[0], other[0]
        if m is None or o is None:
            lines.append(f"| {name} | {_fmt_s(m)} | {other[2] if o is None else _fmt_s(o)} | - | "
                         f"not measured ({mine[2]}, {other[2]}) | - |")
            return
        lower = other[2] == "timeout"
        gt = "> " if lower else ""
        if faster:
            r = o / m
            verdict = "yes" if r >= need else f"no (needs {need:g}x)"
            if lower and r < need:
                verdict = f"not decided: the other tool was stopped before {need:g}x"
            cpu = _ratio(other[1], mine[1]) if not lower else "-"
            lines.append(f"| {name} | {_fmt_s(m)} | {gt}{_fmt_s(o)} | {gt}{_ratio(o, m)} "
                         f"| {verdict} | {cpu} |")
        else:
            r = m / o
            verdict = "yes" if r <= need else f"no (needs <= {need:g}x)"
            cpu = f"cardrank takes {mine[1] / other[1]:.2f}x" if mine[1] and other[1] else "-"
            lines.append(f"| {name} | {_fmt_s(m)} | {_fmt_s(o)} | cardrank takes {r:.2f}x "
                         f"| {verdict} | {cpu} |")

    cli, py, pyc = t("cardrank-cli"), t("cardrank-py"), t("cardrank-py-codes")
    floor, prep = t("numpy-floor"), t("prep")
    coded_floor: Timing = (None, None, floor[2])
    if floor[0] is not None and prep[0] is not None:
        coded_floor = (floor[0] + prep[0], None, "ok")
    row(">= 200x faster than outrank, full data (CLI wall vs outrank wall)", cli, t("outrank-full"), 200)
    row("(for reference) vs outrank, default subsampling 10", cli, t("outrank-default"), 1)
    row(">= 50x faster than sklearn AMI loop (in memory, strings vs int codes)", py,
        t("sklearn-ami"), 50)
    row(">= 50x faster than sklearn AMI loop (in memory, both on int codes)", pyc, t("sklearn-ami"), 50)
    row(">= 50x faster than sklearn AMI loop (CLI from the CSV vs AMI on codes)", cli, t("sklearn-ami"), 50)
    row("in memory within 2x of numpy bincount floor (both on int codes)", pyc, floor, 2,
        faster=False)
    row("in memory within 2x of numpy bincount floor (cardrank on strings)", py, floor, 2,
        faster=False)
    row("(for reference) cardrank on strings vs floor + integer coding of the strings", py,
        coded_floor, 2, faster=False)
    row("CSV within 2x of pyarrow read_csv (all strings)", cli, t("pyarrow-read-str"), 2, faster=False)
    row("CSV within 2x of pyarrow read_csv (type inference)", cli, t("pyarrow-read-infer"), 2,
        faster=False)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="run every tool on every data set")
    r.add_argument("--dataset", action="append", required=True, metavar="LABEL=CSV",
                   help="a generated CSV (with CSV.truth.json beside it); repeatable")
    r.add_argument("--cardrank", required=True, help="the release `cardrank` binary")
    r.add_argument("--python", default=sys.executable,
                   help="interpreter of the workers (the bench venv; outrank is found beside it)")
    r.add_argument("--cardrank-python", default=None,
                   help="interpreter with `cardrank` importable (default: --python)")
    r.add_argument("--cardrank-pythonpath", default=None,
                   help="PYTHONPATH under which --cardrank-python imports cardrank (run.sh "
                   "assembles the release build of the package there)")
    r.add_argument("--out", required=True, help="directory for results.json, results.md, logs/")
    r.add_argument("--work", default=None, help="scratch directory (default: the system temp dir)")
    r.add_argument("--tools", default="", help="comma-separated subset of: "
                   + ", ".join(t.name for t in TOOLS))
    r.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="outrank --num_threads (default: all cores)")
    r.add_argument("--repeat", type=int, default=3,
                   help="runs of each quick tool; the median is reported (default 3)")
    r.add_argument("--repeat-below", type=float, default=5.0,
                   help="repeat only tools whose process took less than this many seconds")
    r.add_argument("--mrmr-k", type=int, default=-1,
                   help="features mrmr_classif selects (-1, the default: as many as the data set "
                   "has informative features, the top k that is scored; 0: all, a full ranking, "
                   "which takes about twice as long)")
    r.add_argument("--tool-timeout", type=float, default=600.0, help="seconds per tool process")
    r.add_argument("--outrank-timeout", type=float, default=600.0, help="seconds per outrank run")
    r.add_argument("--outrank-stop-at-ratio", type=float, default=220.0,
                   help="stop `outrank --subsampling 1` once it has run this many times as long as "
                   "`cardrank rank` on the same data, since the >= 200x target is then decided, and "
                   "report its time as a lower bound (0: let it finish)")
    r.add_argument("--deadline", type=float, default=0.0,
                   help="Unix time by which everything must end (0: none); tools are cut short "
                   "to meet it and reported as timed out")
    r.add_argument("--reserve", type=float, default=20.0,
                   help="seconds kept back before the deadline")

    w = sub.add_parser("worker", help="(internal) run one tool in this process")
    w.add_argument("tool", choices=sorted(WORKERS))
    w.add_argument("--csv", required=True)
    w.add_argument("--codes", required=True)
    w.add_argument("--result", required=True)
    w.add_argument("--mrmr-k", type=int, default=0)

    args = p.parse_args(argv)
    if args.cmd == "worker":
        return worker_main(args)
    if args.cardrank_python is None:
        args.cardrank_python = args.python
    # Tools run in their own working directories: absolute paths (abspath,
    # not resolve: a venv's python is a symlink that must stay in the venv).
    for name in ("cardrank", "python", "cardrank_python"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    if args.cardrank_pythonpath:
        args.cardrank_pythonpath = os.path.abspath(args.cardrank_pythonpath)
    return Driver(args).run()


if __name__ == "__main__":
    sys.exit(main())
