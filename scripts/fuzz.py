#!/usr/bin/env python3
"""Byte-mutation fuzz of the cardrank readers (standard library only).

Seeds in CSV, TSV.gz, VW, Parquet, Arrow IPC file and stream are made with
`cardrank generate`; each run mutates one seed (bit flips, bytes set to
boundary values, 32/64-bit integers overwritten with huge ones, chunks
deleted, duplicated or cut; for gzip, the decompressed text is mutated and
compressed again half the time) and runs `cardrank rank` or `cardrank
report` (the report's second pass) on it under an address-space limit and
a timeout. Outcomes:

  ok         exit 0
  error      exit 2 with exactly one `error:` line and nothing else on stderr
  noisy      exit 2 but other text on stderr (panic text, several lines)
  exit101    a panic in our own code
  signal     killed by a signal (SIGABRT on a failed allocation, SIGSEGV)
  timeout    still running after --timeout seconds
  exitN      any other exit code

Everything but ok and error is a finding: the input and its stderr are kept
in --out/findings. The exit code is 1 when there was a finding.

    python3 scripts/fuzz.py --bin target/release/cardrank --minutes 30
"""

import argparse
import collections
import gzip
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

SEEDS = [".csv", ".tsv.gz", ".vw", ".parquet", ".arrow", ".arrows"]
BIG = [0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x7FFFFFF0, 1 << 47, (1 << 63) - 1, 0xFFFFFFFFFFFFFFFF]


def make_seeds(binary, folder):
    """One generated seed per format (300 rows, 15 columns, target `click`)."""
    seeds = []
    for i, ext in enumerate(SEEDS):
        path = os.path.join(folder, "seed" + ext)
        subprocess.run(
            [binary, "generate", "--rows", "300", "--columns", "15", "--seed", str(i + 1), "--out", path],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seeds.append(path)
    return seeds


def mutate_bytes(data, rng):
    """One to four random edits of `data`."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            data = bytearray(rng.randbytes(rng.randint(1, 16)))
            continue
        at = rng.randrange(len(data))
        op = rng.randrange(8)
        if op == 0:
            data[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            data[at] = rng.choice([0, 0xFF, 0x7F, 0x80, 0x01, ord(","), ord('"'), ord("\n")])
        elif op in (2, 3):
            width = rng.choice([4, 8])
            value = rng.choice(BIG) & ((1 << (8 * width)) - 1)
            data[at:at + width] = value.to_bytes(width, "little")
        elif op == 4:
            del data[at:at + rng.randint(1, 64)]
        elif op == 5:
            chunk = data[at:at + rng.randint(1, 256)]
            data[at:at] = chunk * rng.randint(1, 8)
        elif op == 6:
            del data[rng.randint(0, len(data)):]
        else:
            data[at:at] = rng.randbytes(rng.randint(1, 16))
    return bytes(data)


def mutate(seed, rng):
    with open(seed, "rb") as f:
        data = f.read()
    if seed.endswith(".gz") and rng.random() < 0.5:
        return gzip.compress(mutate_bytes(gzip.decompress(data), rng), compresslevel=1)
    return mutate_bytes(data, rng)


def limit_memory(bytes_):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (bytes_, bytes_))
        os.nice(5)
    return apply


def classify(proc_result):
    code, stderr = proc_result
    if code is None:
        return "timeout"
    if code < 0:
        return "signal"
    if code == 0:
        return "ok"
    if code == 101:
        return "exit101"
    if code == 2:
        lines = stderr.decode("utf-8", "replace").splitlines()
        clean = len(lines) == 1 and lines[0].startswith("error: ") and "panicked" not in lines[0]
        return "error" if clean else "noisy"
    return "exit%d" % code


def run(cmd, timeout, memory):
    env = dict(os.environ, RUST_BACKTRACE="1")
    try:
        p = subprocess.run(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            preexec_fn=limit_memory(memory),
            env=env,
        )
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stderr or b""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/cardrank", help="the cardrank binary")
    ap.add_argument("--minutes", type=float, default=1.0, help="how long to run")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per run")
    ap.add_argument("--memory", type=int, default=2_000_000_000, help="address-space limit per run, bytes")
    ap.add_argument("--out", default=None, help="folder for findings (default: a temporary folder)")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="cardrank-fuzz-")
    out = args.out or os.path.join(work, "out")
    findings = os.path.join(out, "findings")
    os.makedirs(findings, exist_ok=True)
    counts = collections.Counter()
    by_kind = collections.Counter()
    try:
        seeds = make_seeds(args.bin, work)
        deadline = time.monotonic() + 60 * args.minutes
        n = 0
        while time.monotonic() < deadline:
            n += 1
            src = rng.choice(seeds)
            ext = next(e for e in SEEDS if src.endswith(e))
            case = os.path.join(work, "case" + ext)
            with open(case, "wb") as f:
                f.write(mutate(src, rng))
            cmd_name = "report" if rng.random() < 0.3 else "rank"
            cmd = [args.bin, cmd_name, case, "--target", "click"]
            if cmd_name == "report":
                report_dir = os.path.join(work, "report")
                shutil.rmtree(report_dir, ignore_errors=True)
                cmd += ["--out", report_dir]
            outcome = classify(run(cmd, args.timeout, args.memory))
            counts[outcome] += 1
            by_kind[(cmd_name, ext, outcome)] += 1
            if outcome not in ("ok", "error"):
                keep = os.path.join(findings, "%s-%s-%d%s" % (outcome, cmd_name, n, ext))
                shutil.copy(case, keep)
                code, stderr = run(cmd[:2] + [keep] + cmd[3:], args.timeout, args.memory)
                with open(keep + ".stderr", "wb") as f:
                    f.write(stderr)
                print("finding: %s %s %s" % (outcome, cmd_name, keep), flush=True)
    finally:
        shutil.rmtree(os.path.join(work, "report"), ignore_errors=True)
    total = sum(counts.values())
    print("fuzz seed %d: %d runs in %.1f min (rank and report, under %d bytes of address space)"
          % (seed, total, args.minutes, args.memory))
    for outcome in ["ok", "error", "noisy", "exit101", "signal", "timeout"] + sorted(
            k for k in counts if k.startswith("exit") and k != "exit101"):
        print("  %-8s %d" % (outcome, counts[outcome]))
    for (cmd_name, ext, outcome), c in sorted(by_kind.items()):
        print("    %-6s %-8s %-8s %d" % (cmd_name, ext, outcome, c))
    bad = total - counts["ok"] - counts["error"]
    if bad:
        print("findings kept in %s" % findings)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("fuzz: %d passed, %d failed" % (total - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
