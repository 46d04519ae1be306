#!/usr/bin/env python3
"""Benchmark runner: Ignis scenario scripts against DuckDB on the same data.

    .venv/bin/python benches/run.py --scale 1 [--scale 50] [--work /tmp/ignis-bench]

For each scale: generates data with `ignis generate` (timed), runs each `sql/NN_*.sql`
with `/usr/bin/time -v` (wall time, peak RSS) and, where `benches/duckdb/NN_*.sql`
exists (the same steps as plain SQL), the DuckDB version over the same files in the
same session. Prints a markdown table with the Ignis/DuckDB ratios.

Builds the release binary first if `target/release/ignis` is missing or older than the
sources. Timings here are measurements, never assertions.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNIS = ROOT / "target" / "release" / "ignis"


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"command failed: {' '.join(map(str, cmd))}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    hours = float(wall.group(1) or 0)
    seconds = hours * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024.0


def build():
    newest = max(p.stat().st_mtime for p in ROOT.glob("**/*.rs") if "target" not in p.parts)
    if not IGNIS.exists() or IGNIS.stat().st_mtime < newest:
        subprocess.run(["cargo", "build", "--release", "--bin", "ignis"], cwd=ROOT, check=True)


def duckdb_script(path, data, out):
    text = path.read_text().replace("${data}", str(data)).replace("${out}", str(out))
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, action="append", help="scale factor (repeatable)")
    parser.add_argument("--work", default="/tmp/ignis-bench", help="working directory")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both engines")
    args = parser.parse_args()
    scales = args.scale or [1]
    build()
    python = sys.executable
    rows = []
    for scale in scales:
        work = Path(args.work) / f"scale{scale}"
        data, out_ignis, out_duck = work / "data", work / "out_ignis", work / "out_duckdb"
        for d in (out_ignis, out_duck):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
        wall, rss = timed([IGNIS, "-q", "generate", "--out", data, "--scale", str(scale)])
        rows.append((scale, "generate", wall, rss, None, None))
        for script in sorted((ROOT / "sql").glob("*.sql")):
            wall, rss = timed(
                [IGNIS, "-q", "--format", "csv", "-f", script, "--set", f"data={data}", "--set", f"out={out_ignis}"]
            )
            peer = ROOT / "benches" / "duckdb" / script.name
            d_wall = d_rss = None
            if peer.exists():
                sql = duckdb_script(peer, data, out_duck)
                code = (
                    "import duckdb, sys\n"
                    f"con = duckdb.connect(config={{'threads': {args.threads}}})\n"
                    "con.execute(open(sys.argv[1]).read())\n"
                )
                tmp = work / f"duckdb_{script.name}"
                tmp.write_text(sql)
                d_wall, d_rss = timed([python, "-c", code, tmp])
            rows.append((scale, script.stem, wall, rss, d_wall, d_rss))

    print("\n| scale | step | Ignis s | Ignis peak MiB | DuckDB s | DuckDB peak MiB | time ratio (Ignis/DuckDB) |")
    print("|---|---|---|---|---|---|---|")
    for scale, step, wall, rss, d_wall, d_rss in rows:
        ratio = f"{wall / d_wall:.2f}x" if d_wall else "-"
        d_wall_s = f"{d_wall:.2f}" if d_wall else "-"
        d_rss_s = f"{d_rss:.0f}" if d_rss else "-"
        print(f"| {scale} | {step} | {wall:.2f} | {rss:.0f} | {d_wall_s} | {d_rss_s} | {ratio} |")


if __name__ == "__main__":
    main()
