#!/usr/bin/env python3
"""Benchmark of the catalog's algorithms against their Python references, same data, same session.

    .venv/bin/pip install -r benches/requirements.txt
    .venv/bin/python benches/catalog.py [--scale 50] [--work /tmp/ignis-catalog-bench]

Generates data with `ignis generate` (scale 50: 250k customers, ~5M transactions,
~1.65M orders) unless WORK/data holds it already, then measures with /usr/bin/time -v (wall time, peak RSS), each in its
own process:
  - k-means, k=4, 4 features, n_init=10, standardised: `ignis` (kmeans table function)
    vs scikit-learn KMeans on the same feature table (exported once as Parquet);
  - FP-growth at min_support 0.01 on the order baskets: `ignis` (frequent_itemsets)
    vs mlxtend fpgrowth on the same baskets (one-hot encoding time excluded and reported).
Prints a markdown table with ratios. Measurements only, never assertions.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNIS = ROOT / "target" / "release" / "ignis"


def timed(cmd, stdout=subprocess.DEVNULL):
    proc = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"command failed: {cmd}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    seconds = float(wall.group(1) or 0) * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024.0, proc.stdout


def ignis(sql, data):
    return timed([IGNIS, "-q", "--format", "csv", "--set", f"data={data}", "-c", sql])


SKLEARN = """
import sys, time, pyarrow.parquet as pq
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
x = pq.read_table(sys.argv[1]).to_pandas()[["recency", "frequency", "monetary", "age"]].to_numpy(dtype="float64")
t = time.perf_counter()
x = StandardScaler().fit_transform(x)
model = KMeans(n_clusters=4, n_init=10, random_state=1).fit(x)
print(f"fit {time.perf_counter() - t:.3f}s inertia {model.inertia_:.6g}")
"""

MLXTEND = """
import sys, time
import pandas as pd, pyarrow.parquet as pq
from mlxtend.preprocessing import TransactionEncoder
from mlxtend.frequent_patterns import fpgrowth
baskets = pq.read_table(sys.argv[1]).column("items").to_pylist()
t = time.perf_counter()
te = TransactionEncoder()
onehot = pd.DataFrame(te.fit(baskets).transform(baskets, sparse=False), columns=te.columns_)
encode = time.perf_counter() - t
t = time.perf_counter()
itemsets = fpgrowth(onehot, min_support=0.01)
print(f"encode {encode:.3f}s fpgrowth {time.perf_counter() - t:.3f}s itemsets {len(itemsets)}")
"""

FEATURES = """
SELECT t.customer_id, t.m['recency'] AS recency, t.m['frequency'] AS frequency,
       t.m['monetary'] AS monetary, c.age
FROM (SELECT customer_id, rfm(transaction_date, amount, DATE '2025-12-31') AS m
      FROM delta.`${data}/transactions` GROUP BY customer_id) t
JOIN delta.`${data}/customers` c ON c.customer_id = t.customer_id
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--work", default="/tmp/ignis-catalog-bench")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--bin", "ignis"], cwd=ROOT, check=True)
    work = Path(args.work)
    data = work / "data"
    work.mkdir(parents=True, exist_ok=True)
    if not (data / "transactions" / "_delta_log").exists():
        timed([IGNIS, "-q", "generate", "--out", data, "--scale", args.scale])
    features = work / "features"
    baskets = work / "baskets"
    ignis(f"CREATE OR REPLACE TABLE delta.`{features}` AS {FEATURES}", data)
    ignis(
        f"CREATE OR REPLACE TABLE delta.`{baskets}` AS SELECT order_id, array_agg(product_id) AS items "
        f"FROM delta.`{data}/transactions` GROUP BY order_id",
        data,
    )
    # Single-commit tables: their Parquet files are the whole table, for the Python side.
    feat_file = next(features.glob("*.parquet"))
    basket_files = sorted(baskets.glob("*.parquet"))
    if len(basket_files) > 1:
        import pyarrow.parquet as pq, pyarrow as pa
        pq.write_table(pa.concat_tables([pq.read_table(f) for f in basket_files]), work / "baskets.parquet")
        basket_file = work / "baskets.parquet"
    else:
        basket_file = basket_files[0]

    rows = []
    wall, rss, _ = ignis(
        f"SELECT count(*) FROM kmeans('delta.`{features}`', 'recency, frequency, monetary, age', 'k => 4, seed => 1')",
        data,
    )
    s_wall, s_rss, s_out = timed([sys.executable, "-c", SKLEARN, feat_file], stdout=subprocess.PIPE)
    rows.append(("k-means k=4 (incl. read)", wall, rss, s_wall, s_rss, s_out.strip()))
    wall, rss, _ = ignis(
        f"SELECT count(*) FROM frequent_itemsets('delta.`{baskets}`', 'items', 'min_support => 0.01')", data
    )
    m_wall, m_rss, m_out = timed([sys.executable, "-c", MLXTEND, basket_file], stdout=subprocess.PIPE)
    rows.append(("FP-growth min_support 0.01 (incl. read)", wall, rss, m_wall, m_rss, m_out.strip()))

    print(f"\nscale {args.scale}\n")
    print("| step | Ignis s | Ignis MiB | reference s | reference MiB | ratio | reference detail |")
    print("|---|---|---|---|---|---|---|")
    for step, wall, rss, r_wall, r_rss, detail in rows:
        print(f"| {step} | {wall:.2f} | {rss:.0f} | {r_wall:.2f} | {r_rss:.0f} | {r_wall / wall:.1f}x faster | {detail} |")


if __name__ == "__main__":
    main()
