#!/usr/bin/env python3
"""Benchmark of Ignis's `sentiment(text)` (VADER) against vaderSentiment 3.3.2 in Python.

    .venv/bin/python benches/text_sentiment.py [--n 1000000] [--python-n 100000]
        [--binary target/release/ignis] [--work DIR]

Builds N short texts with the generator of the golden fixture
(udfs/tests/fixtures/text/make_vader_fixture.py: lexicon words, negations, boosters,
"but", ALL CAPS, "!!!", emoticons, emoji, idioms; fixed seed) and writes them to a
Parquet file. Then times, each in its own process under /usr/bin/time -v (wall time,
peak RSS):

  - ignis: `SELECT count(*), sum(sentiment(text)['compound'])` over the file, with the
    default thread count (all cores) and pinned to one core (`taskset -c 0` and
    `SET datafusion.execution.target_partitions = 1`);
  - ignis scan only: the same query with `length(text)` instead of `sentiment(text)`,
    to show how much of the time is reading the file and starting the process;
  - vaderSentiment: `SentimentIntensityAnalyzer().polarity_scores` in a Python loop over
    the first PYTHON_N texts (one core; Python is slow, so a subset), timing the loop
    alone inside the process.

Prints a table with throughput (texts per second) and the Ignis/Python speed ratio per
core: Ignis's one-core throughput over Python's, and Ignis's all-core throughput divided
by its core count. Checks that both compute the same compound sum on the Python subset
(each text must match to 1e-4; the sums are compared within 1e-4 per text). Measurements
only, never assertions about speed.
"""

import argparse
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SCRIPT = ROOT / "udfs" / "tests" / "fixtures" / "text" / "make_vader_fixture.py"
SEED = 7


def load_generator():
    spec = importlib.util.spec_from_file_location("make_vader_fixture", FIXTURE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB, stdout)."""
    proc = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"command failed: {' '.join(map(str, cmd))[:300]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    seconds = float(wall.group(1) or 0) * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024.0, proc.stdout.strip()


def write_parquet(texts, path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts, pa.string())})
    pq.write_table(table, path, row_group_size=65_536)


def ignis_query(binary, parquet, expression, one_core):
    sql = ""
    if one_core:
        sql += "SET datafusion.execution.target_partitions = 1;\n"
    sql += (f"CREATE EXTERNAL TABLE texts STORED AS PARQUET LOCATION '{parquet}';\n"
            f"SELECT count(*) AS n, sum({expression}) AS total FROM texts;")
    cmd = [binary, "-q", "--format", "csv", "-c", sql]
    if one_core:
        cmd = ["taskset", "-c", "0", *cmd]
    seconds, rss, out = timed(cmd)
    n, total = out.splitlines()[-1].split(",")
    return seconds, rss, int(n), float(total)


PYTHON_LOOP = """
import sys, time
import pyarrow.parquet as pq
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
texts = pq.read_table(sys.argv[1], columns=["text"]).column("text").to_pylist()
analyzer = SentimentIntensityAnalyzer()
start = time.perf_counter()
total = 0.0
for text in texts:
    total += analyzer.polarity_scores(text)["compound"]
loop = time.perf_counter() - start
print(f"{len(texts)},{total!r},{loop!r}")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="texts for Ignis")
    parser.add_argument("--python-n", type=int, default=100_000,
                        help="texts for vaderSentiment (the first ones of the same list)")
    parser.add_argument("--binary", default=ROOT / "target" / "release" / "ignis", type=Path,
                        help="the ignis binary (default: target/release/ignis)")
    parser.add_argument("--work", default=Path("/tmp/ignis-sentiment-bench"), type=Path)
    args = parser.parse_args()
    if not args.binary.exists():
        raise SystemExit(f"{args.binary} not found: build it (cargo build --release) or pass --binary")
    python_n = min(args.python_n, args.n)
    has_taskset = shutil.which("taskset") is not None
    cores = len(os.sched_getaffinity(0))

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    started = time.perf_counter()
    generator = load_generator()
    texts = generator.generate(random.Random(SEED), args.n)
    full, subset = args.work / "texts.parquet", args.work / "texts_subset.parquet"
    write_parquet(texts, full)
    write_parquet(texts[:python_n], subset)
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"data: {args.n:,} texts (mean {mean_len:.0f} characters), {python_n:,} for Python, "
          f"written in {time.perf_counter() - started:.1f} s; {cores} cores available")

    sentiment = "sentiment(text)['compound']"
    rows = []  # (engine, texts, cores used, wall s, throughput texts/s, peak MiB, note)

    s, rss, n, total = ignis_query(args.binary, full, sentiment, one_core=False)
    rows.append(("ignis sentiment", n, cores, s, n / s, rss, f"compound sum {total:.4f}"))
    if has_taskset:
        s1, rss1, n1, total1 = ignis_query(args.binary, full, sentiment, one_core=True)
        rows.append(("ignis sentiment, 1 core", n1, 1, s1, n1 / s1, rss1, f"compound sum {total1:.4f}"))
    scan_s, scan_rss, scan_n, _ = ignis_query(args.binary, full, "length(text)", one_core=False)
    rows.append(("ignis scan only (length)", scan_n, cores, scan_s, scan_n / scan_s, scan_rss, "baseline"))

    _, _, sub_n, ignis_sub_total = ignis_query(args.binary, subset, sentiment, one_core=False)
    py_s, py_rss, out = timed([sys.executable, "-c", PYTHON_LOOP, subset])
    py_n, py_total, py_loop = out.splitlines()[-1].split(",")
    py_n, py_total, py_loop = int(py_n), float(py_total), float(py_loop)
    rows.append(("vaderSentiment (Python loop)", py_n, 1, py_loop, py_n / py_loop, py_rss,
                 f"compound sum {py_total:.4f}; process {py_s:.1f} s"))

    print("\n| engine | texts | cores | wall s | texts/s | peak MiB | note |")
    print("|---|---|---|---|---|---|---|")
    for engine, n, used, wall, rate, rss, note in rows:
        print(f"| {engine} | {n:,} | {used} | {wall:.2f} | {rate:,.0f} | {rss:.0f} | {note} |")

    py_rate = py_n / py_loop
    print()
    if has_taskset:
        print(f"per core, ignis 1 core vs Python: {rows[1][4] / py_rate:.1f}x "
              "(ignis wall time includes process start and reading the Parquet file)")
    else:
        print("taskset not found: no one-core run")
    print(f"per core, ignis {cores} cores / {cores} vs Python: {rows[0][4] / cores / py_rate:.1f}x")
    agree = abs(ignis_sub_total - py_total) <= 1e-4 * max(sub_n, 1)
    print(f"check on {sub_n:,} texts: ignis compound sum {ignis_sub_total:.6f}, "
          f"vaderSentiment {py_total:.6f}: {'agree' if agree else 'DIFFER'}")
    if not agree or sub_n != py_n:
        raise SystemExit("ignis and vaderSentiment disagree on the subset")


if __name__ == "__main__":
    main()
