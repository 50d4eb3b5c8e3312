#!/usr/bin/env python3
"""Folds several runs of one benchmark table (markdown, as the bench-*
scripts print it) into one: a cell that is the same in every run (a key:
size, threads, label) stays; a numeric cell that varies becomes
"median (min-max)". With --median, numeric cells become the median alone
(for scripts/plot-benchmarks). Rows are matched by position; runs whose
tables differ in shape are refused with one line.
    bench-aggregate.py [--median] RUN.md...
"""
import statistics
import sys


def table(path):
    rows = [l.rstrip("\n") for l in open(path) if l.startswith("|")]
    return rows[:2], [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows[2:]]


def number(s):
    try:
        return float(s)
    except ValueError:
        return None


def fmt(v, like):
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{v:.{decimals}f}"


def main(argv):
    median_only = argv[:1] == ["--median"]
    paths = argv[1:] if median_only else argv
    if not paths:
        sys.exit("usage: bench-aggregate.py [--median] RUN.md...")
    runs = [table(p) for p in paths]
    head, rows = runs[0]
    if any(len(r[1]) != len(rows) or any(len(a) != len(b) for a, b in zip(r[1], rows)) for r in runs):
        sys.exit("bench-aggregate: the runs' tables differ in shape: " + " ".join(paths))
    print("\n".join(head))
    for i, row in enumerate(rows):
        out = []
        for j, cell in enumerate(row):
            cells = [r[1][i][j] for r in runs]
            values = [number(c) for c in cells]
            if len(set(cells)) == 1 or None in values:
                out.append(cell if len(set(cells)) == 1 else "/".join(cells))
                continue
            m = statistics.median(values)
            out.append(fmt(m, cell) if median_only else
                       f"{fmt(m, cell)} ({fmt(min(values), cell)}-{fmt(max(values), cell)})")
        print("| " + " | ".join(out) + " |")


main(sys.argv[1:])
