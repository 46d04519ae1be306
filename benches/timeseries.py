#!/usr/bin/env python3
"""Benchmark of Ignis's time-series functions against DuckDB on the same data.

    .venv/bin/python benches/timeseries.py [--rows 10000000] [--devices 1000] [--work DIR]

Writes ROWS sensor readings (DEVICES devices, one reading a minute, a daily cycle plus
noise) as a Delta table with `ignis`, then times, each in its own process under
/usr/bin/time -v (wall time, peak RSS):
  - rolling z-score over the 25 latest readings per device: Ignis's `zscore` window
    function, Ignis with plain `avg`/`stddev` windows, and DuckDB's equivalent SQL;
  - 5-minute tumbling window aggregation per device: Ignis's `window(ts, '5 minutes')`
    and DuckDB's `time_bucket`;
  - 5-minute windows sliding every minute: Ignis's `unnest(sliding_windows(...))` and
    DuckDB's equivalent (each reading joined to its 5 windows).
DuckDB reads the Parquet files of the same Delta table (version 0, one commit). Each
query ends in a small aggregate over its full result so printing costs nothing; both
sides print the same figures, which the script compares. Measurements only.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd):
    proc = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"command failed: {' '.join(map(str, cmd))[:300]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    seconds = float(wall.group(1) or 0) * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024.0, proc.stdout.strip()


ZSCORE_FRAME = "PARTITION BY device_id ORDER BY ts ROWS BETWEEN 24 PRECEDING AND CURRENT ROW"

QUERIES = {
    "rolling z-score": {
        "ignis": f"""SELECT count(*) FILTER (WHERE abs(z) > 3) AS anomalies, round(sum(z), 3) AS z_sum
            FROM (SELECT zscore(value) OVER ({ZSCORE_FRAME}) AS z FROM {{t}})""",
        "ignis (avg/stddev windows)": f"""SELECT count(*) FILTER (WHERE abs(z) > 3) AS anomalies,
                round(sum(z), 3) AS z_sum
            FROM (SELECT CASE WHEN stddev(value) OVER w > 0
                         THEN (value - avg(value) OVER w) / stddev(value) OVER w END AS z
                  FROM {{t}} WINDOW w AS ({ZSCORE_FRAME}))""",
        "duckdb": f"""SELECT count(*) FILTER (WHERE abs(z) > 3) AS anomalies, round(sum(z), 3) AS z_sum
            FROM (SELECT CASE WHEN stddev_samp(value) OVER w > 0
                         THEN (value - avg(value) OVER w) / stddev_samp(value) OVER w END AS z
                  FROM {{t}} WINDOW w AS ({ZSCORE_FRAME}))""",
    },
    "5-minute tumbling windows": {
        "ignis": """SELECT count(*) AS windows, sum(n) AS readings, round(sum(avg_value), 3) AS s
            FROM (SELECT device_id, window(ts, '5 minutes') AS w, avg(value) AS avg_value,
                         min(value) AS lo, max(value) AS hi, count(*) AS n
                  FROM {t} GROUP BY device_id, window(ts, '5 minutes'))""",
        "duckdb": """SELECT count(*) AS windows, sum(n) AS readings, round(sum(avg_value), 3) AS s
            FROM (SELECT device_id, time_bucket(INTERVAL '5 minutes', ts) AS w,
                         avg(value) AS avg_value, min(value) AS lo, max(value) AS hi, count(*) AS n
                  FROM {t} GROUP BY device_id, time_bucket(INTERVAL '5 minutes', ts))""",
    },
    "5-minute windows sliding every minute": {
        "ignis": """SELECT count(*) AS windows, sum(n) AS readings, round(sum(avg_value), 3) AS s
            FROM (SELECT device_id, w, avg(value) AS avg_value, count(*) AS n
                  FROM (SELECT device_id, value,
                               unnest(sliding_windows(ts, '5 minutes', '1 minute')) AS w
                        FROM {t})
                  GROUP BY device_id, w)""",
        "duckdb": """SELECT count(*) AS windows, sum(n) AS readings, round(sum(avg_value), 3) AS s
            FROM (SELECT device_id, w, avg(value) AS avg_value, count(*) AS n
                  FROM (SELECT device_id, value,
                               time_bucket(INTERVAL '1 minute', ts) - INTERVAL (k) MINUTE AS w
                        FROM {t}, range(0, 5) r(k))
                  GROUP BY device_id, w)""",
    },
}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ignis", default=ROOT / "target" / "release" / "ignis", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--work", default=Path("/tmp/ignis-timeseries-bench"), type=Path)
    args = parser.parse_args()
    subprocess.run(["rm", "-rf", str(args.work)], check=True)
    args.work.mkdir(parents=True)
    table = args.work / "readings"
    per_device = args.rows // args.devices

    seconds, rss, _ = timed([
        args.ignis, "-q", "-c",
        f"""CREATE TABLE delta.`{table}` AS
            SELECT 'device_' || lpad(CAST(d.value AS VARCHAR), 5, '0') AS device_id,
                   to_timestamp_seconds(1704067200 + m.value * 60) AS ts,
                   20 + 5 * sin(2 * pi() * (m.value % 1440) / 1440.0) + random() AS value
            FROM generate_series(1, {args.devices}) d, generate_series(0, {per_device - 1}) m""",
    ])
    print(f"data: {args.devices * per_device:,} readings written by ignis in {seconds:.1f} s, {rss:.0f} MiB")

    ignis_table = f"delta.`{table}`"
    duck_table = f"read_parquet('{table}/*.parquet')"
    print("\n| query | engine | wall s | peak MiB | ratio to DuckDB | result |")
    print("|---|---|---|---|---|---|")
    for name, variants in QUERIES.items():
        duck_s, duck_rss, duck_out = timed([
            sys.executable, "-c",
            "import duckdb, sys; con = duckdb.connect(); con.execute('SET threads = 2');"
            "con.execute('SET enable_progress_bar = false');"
            "print(','.join(map(str, con.sql(sys.argv[1]).fetchone())))",
            variants["duckdb"].format(t=duck_table),
        ])
        for engine, sql in variants.items():
            if engine == "duckdb":
                s, r, out = duck_s, duck_rss, duck_out
            else:
                s, r, out = timed([args.ignis, "-q", "--format", "csv", "-c", sql.format(t=ignis_table)])
                out = out.splitlines()[-1]
            print(f"| {name} | {engine} | {s:.2f} | {r:.0f} | {s / duck_s:.2f} | {out} |")


if __name__ == "__main__":
    main()
