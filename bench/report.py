#!/usr/bin/env python3
"""Prints bench/compare.sh's table: conveyor's figures beside their physical references and issue 14's targets.

Usage: report.py DIR [--check]
DIR holds references.txt (key=value lines from sqlite_reference.py and the pgbench run) and one file of
`conveyor bench` output per run, named STORE-MODE-ROUND.out (store: sqlite or postgres; mode: plain or
fair). Each figure is the median over the rounds. With --check the exit status is 1 when a target is missed.
Python standard library only.
"""

import argparse
import pathlib
import re
import statistics
import sys

# The lines `conveyor bench` prints; cpu: is optional (older binaries do not print it).
PATTERNS = {
    "enqueue": re.compile(r"^enqueue:\s+([\d.]+) jobs/s"),
    "processed": re.compile(r"^processed:\s+([\d.]+) jobs/s"),
    "p50": re.compile(r"^pickup:\s+p50 ([\d.]+) ms"),
    "p99": re.compile(r"^pickup:.*p99 ([\d.]+) ms"),
    "cpu": re.compile(r"^cpu:\s+([\d.]+)%"),
}
STORES = [("sqlite", "SQLite"), ("postgres", "PostgreSQL")]


def parse_run(path):
    figures, machine = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("machine:"):
            machine = line.split(":", 1)[1].strip()
        for key, pattern in PATTERNS.items():
            match = pattern.match(line)
            if match:
                figures[key] = float(match.group(1))
    return figures, machine


def load(directory):
    references = {}
    path = directory / "references.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                references[key.strip()] = float(value)
    runs, machine = {}, None  # (store, mode) -> figure -> [values]
    for path in sorted(directory.glob("*-*-*.out")):
        store, mode, _ = path.stem.split("-", 2)
        figures, seen = parse_run(path)
        machine = machine or seen
        for key, value in figures.items():
            runs.setdefault((store, mode), {}).setdefault(key, []).append(value)
    return references, runs, machine


def rate(value):
    return f"{value:,.0f}/s"


def ms(value):
    return f"{value:.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=pathlib.Path)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    references, runs, machine = load(args.directory)

    def values(store, mode, key):
        return runs.get((store, mode), {}).get(key, [])

    def median(store, mode, key):
        found = values(store, mode, key)
        return statistics.median(found) if found else None

    rows = []  # store, figure, median, range, reference, ratio, target, met (all text)
    missed = 0

    def row(store, label, key, fmt, mode="plain", reference=None, target=None):
        """reference: (text, value) or None; target: (text, predicate on the median) or None."""
        nonlocal missed
        value = median(store, mode, key)
        if value is None:
            return
        found = values(store, mode, key)
        spread = f"{fmt(min(found))} – {fmt(max(found))}" if len(found) > 1 else ""
        ratio, reference_text = "", ""
        if reference is not None:
            reference_text, reference_value = reference
            if reference_value:
                ratio = f"{value / reference_value:.2f}×"
        met = ""
        target_text = ""
        if target is not None:
            target_text, predicate = target
            ok = predicate(value)
            met = "met" if ok else "NOT met"
            missed += 0 if ok else 1
        rows.append((dict(STORES)[store], label, fmt(value), spread, reference_text, ratio, target_text, met))

    single = references.get("sqlite_single_commits")
    batch = references.get("sqlite_batch_rows")
    cycle = references.get("sqlite_job_cycles")
    pgbench = references.get("pgbench_job_cycles")

    for store, _ in STORES:
        if store == "sqlite":
            row(store, "enqueue jobs/s", "enqueue", rate,
                reference=(f"1,000-row batches {rate(batch)}", batch) if batch else None,
                target=("≥ 130,000/s", lambda v: v >= 130_000))
            row(store, "processed jobs/s", "processed", rate,
                reference=(f"job cycle {rate(cycle)}", cycle) if cycle else None,
                target=("≥ 50,000/s", lambda v: v >= 50_000))
            row(store, "pickup p50", "p50", ms, target=("≤ 0.5 ms", lambda v: v <= 0.5))
            row(store, "pickup p99", "p99", ms, target=("≤ 5 ms", lambda v: v <= 5))
        else:
            row(store, "enqueue jobs/s", "enqueue", rate, target=("≥ 60,000/s", lambda v: v >= 60_000))
            row(store, "processed jobs/s", "processed", rate,
                reference=(f"pgbench cycle {rate(pgbench)}", pgbench) if pgbench else None,
                target=(f"≥ 4× pgbench = {4 * pgbench:,.0f}/s" if pgbench else "≥ 4× pgbench (not measured)",
                        lambda v: bool(pgbench) and v >= 4 * pgbench))
            row(store, "pickup p50", "p50", ms, target=("≤ 3 ms", lambda v: v <= 3))
            row(store, "pickup p99", "p99", ms, target=("≤ 20 ms", lambda v: v <= 20))
        row(store, "bench CPU", "cpu", lambda v: f"{v:.0f}%")
        # Fair claim over many keys, against the plain run on the same store.
        plain = median(store, "plain", "processed")
        row(store, "fair processed jobs/s", "processed", rate, mode="fair",
            reference=(f"plain {rate(plain)}", plain) if plain else None,
            target=("≥ 50% of plain", lambda v, plain=plain: bool(plain) and v >= 0.5 * plain))
        row(store, "fair pickup p50", "p50", ms, mode="fair")
        row(store, "fair pickup p99", "p99", ms, mode="fair")
        row(store, "fair bench CPU", "cpu", lambda v: f"{v:.0f}%", mode="fair")

    print(f"machine: {machine or 'unknown (no conveyor bench output)'}")
    print("references (this run):")
    names = [
        ("sqlite_single_commits", "SQLite single-row commits (one transaction each)"),
        ("sqlite_batch_rows", "SQLite rows in 1,000-row batches"),
        ("sqlite_job_cycles", "SQLite one-transaction job cycles"),
        ("pgbench_job_cycles", "pgbench one-transaction job cycles, 8 clients"),
    ]
    for key, name in names:
        if key in references:
            print(f"  {name:<50} {rate(references[key]):>12}")
    rounds = max((len(v) for figures in runs.values() for v in figures.values()), default=0)
    print(f"conveyor bench: median of {rounds} round(s)")
    header = ("store", "figure", "median", "range", "reference", "ratio", "target", "met?")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(cell).rjust(width) if i in (2, 3, 5) else str(cell).ljust(width)
                        for i, (cell, width) in enumerate(zip(r, widths))).rstrip())
    if not rows:
        print("no conveyor bench figures found", file=sys.stderr)
        return 1
    print(f"targets missed: {missed}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
