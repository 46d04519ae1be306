#!/usr/bin/env python3
"""Benchmark of Delta MERGE and scd2_merge at dimension scale.

    .venv/bin/python benches/delta_ops.py [--rows 10000000] [--changed 1000000] [--work DIR]

Builds a dimension of ROWS customers with `scd2_merge` (initial load), then measures,
each in its own `ignis` process under /usr/bin/time -v (wall time, peak RSS):
  - scd2_merge of CHANGED changed customers (every tracked value differs) plus CHANGED/10
    new ones: one MERGE commit expiring CHANGED rows and inserting CHANGED * 1.1 rows;
  - MERGE INTO a copy of the dimension's current rows updating CHANGED rows and
    inserting CHANGED/10 (the same amount of work as a plain upsert);
and reads back the row counts to show the work was done. Measurements only.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(ignis, sql):
    proc = subprocess.run(
        ["/usr/bin/time", "-v", str(ignis), "-q", "--format", "csv", "-c", sql],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"ignis failed on: {sql[:200]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    seconds = float(wall.group(1) or 0) * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024.0, proc.stdout.strip()


def source(first, last, variant):
    """Customers first..last with values that depend on `variant` (so variants differ)."""
    return (
        f"SELECT value AS customer_id, 'name ' || CAST(value AS VARCHAR) AS name, "
        f"'c' || CAST(value AS VARCHAR) || '.{variant}@example.com' AS email, "
        f"CAST(value % 1000 AS INT) + {variant} AS credit_score "
        f"FROM generate_series({first}, {last})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ignis", default=ROOT / "target" / "release" / "ignis", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--changed", type=int, default=1_000_000)
    parser.add_argument("--work", default=Path("/tmp/ignis-delta-ops-bench"), type=Path)
    args = parser.parse_args()
    work = args.work
    subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    dim, upsert = work / "dimension", work / "upsert_target"
    n, k = args.rows, args.changed
    tracked = "'name, email, credit_score'"

    def literal(sql):
        return sql.replace("'", "''")
    results = []

    secs, mib, out = timed(args.ignis, f"SELECT * FROM scd2_merge('{dim}', '{literal(source(1, n, 0))}', 'customer_id', {tracked}, 'surrogate_key => customer_sk')")
    results.append((f"scd2_merge initial load ({n:,} rows)", secs, mib, out))
    secs, mib, out = timed(args.ignis, f"CREATE TABLE delta.`{upsert}` AS {source(1, n, 0)}")
    results.append((f"CTAS upsert target ({n:,} rows)", secs, mib, out))

    changed = f"{source(1, k, 1)} UNION ALL {source(n + 1, n + k // 10, 1)}"
    secs, mib, out = timed(args.ignis, f"SELECT * FROM scd2_merge('{dim}', '{literal(changed)}', 'customer_id', {tracked}, 'surrogate_key => customer_sk')")
    results.append((f"scd2_merge {k:,} changed + {k // 10:,} new into {n:,}", secs, mib, out))
    secs, mib, out = timed(
        args.ignis,
        f"MERGE INTO delta.`{upsert}` AS t USING ({changed}) AS s ON t.customer_id = s.customer_id "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
    )
    results.append((f"MERGE {k:,} updated + {k // 10:,} inserted into {n:,}", secs, mib, out))
    _, _, check = timed(args.ignis, f"SELECT count(*) AS rows, count(*) FILTER (WHERE is_current) AS current FROM delta.`{dim}`")

    print("| operation | seconds | peak MiB | result |")
    print("|---|---|---|---|")
    for name, secs, mib, out in results:
        print(f"| {name} | {secs:.2f} | {mib:.0f} | {' / '.join(out.splitlines()[1:])} |")
    print(f"\ndimension after the merge: {check.splitlines()[-1]} (rows, current)")


if __name__ == "__main__":
    main()
