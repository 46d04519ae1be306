#!/usr/bin/env python3
"""Benchmark of the graph table functions against python-igraph and networkx, same data.

    .venv/bin/pip install -r benches/requirements.txt
    .venv/bin/python benches/graph.py [--ignis target/release/ignis] [--scale 200]
                                      [--skip-networkx] [--networkx-max-edges 10000000]

Generates the graph tables with `ignis generate --out DATA --scale S --seed 7 --only graph`
(scale 200: ~1M vertices, ~10M edges) unless DATA (default WORK/scaleS) holds them
already, then measures each algorithm with each tool, every measurement in its own
process under /usr/bin/time -v (wall time, peak RSS):
  - PageRank, alpha 0.85 (reset probability 0.15), unweighted: ignis and networkx with
    max_iter 100, tol --pagerank-tol (1e-6); igraph's PRPACK solves the same system
    directly (no iteration or tolerance knobs, converged to ~1e-10). Mind networkx's
    stopping rule, which ignis follows: the L1 change of the whole vector < N * tol. At
    1M vertices tol 1e-6 allows an L1 change of 1.0, so both stop after ONE iteration
    (on a random 1M/10M graph: max error ~1e-3, L1 error 0.34); pass --pagerank-tol 1e-10
    or smaller to compare converged runs;
  - weakly connected components: ignis labels every vertex with its component's min id;
    igraph returns a membership vector, networkx the components as sets;
  - per-vertex triangle counts on the simple undirected graph (directions, parallel edges
    and self loops dropped): igraph as_undirected().simplify() then local transitivity
    times d(d-1)/2; networkx nx.Graph(G) without self loops then nx.triangles.
Every measurement reads the Delta tables itself: ignis inside its SQL, the Python peers
with deltalake -> pyarrow -> numpy, then build the graph (igraph Graph, networkx
MultiDiGraph with every entity as a node). For the peers the table splits the time into
load (read + build) and algorithm (the call alone, conversions it needs included); total
is the process's wall time (interpreter start and imports too). igraph and networkx run
on one core; ignis uses all of them.

--peer-only skips ignis and generation (DATA must hold entities/ and relationships/).
Prints a markdown table; ratios are tool / ignis (above 1: ignis is faster or smaller).
Measurements only, never assertions.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNIS = ROOT / "target" / "release" / "ignis"
ALGORITHMS = ["pagerank", "wcc", "triangles"]
TITLES = {
    "pagerank": "PageRank (alpha 0.85)",
    "wcc": "connected components (weak)",
    "triangles": "triangle count per vertex",
}

# One peer measurement: python -c PEER TOOL ALGORITHM DATA PAGERANK_TOL. Prints one JSON line.
PEER = r"""
import json, os, sys, time
import numpy as np
from deltalake import DeltaTable

tool, algorithm, data, tol = sys.argv[1:4] + [float(sys.argv[4])]
t0 = time.perf_counter()
ids = DeltaTable(os.path.join(data, "entities")).to_pyarrow_table(columns=["id"]).column("id").to_numpy()
rel = DeltaTable(os.path.join(data, "relationships")).to_pyarrow_table(columns=["src", "dst"])
src = rel.column("src").to_numpy()
dst = rel.column("dst").to_numpy()
del rel
ids = np.sort(ids)
n = len(ids)
# Vertex indices 0..n-1: an offset when the ids are contiguous (what ignis generate
# writes), else the sorted union of entity ids and edge ends.
contiguous = n > 0 and ids[-1] - ids[0] == n - 1 and bool((np.diff(ids) == 1).all())
if contiguous and len(src):
    lo, hi = min(src.min(), dst.min()), max(src.max(), dst.max())
    contiguous = lo >= ids[0] and hi <= ids[-1]
if contiguous:
    src, dst = src - ids[0], dst - ids[0]
else:
    ids = np.unique(np.concatenate([ids, src, dst]))
    n = len(ids)
    src, dst = np.searchsorted(ids, src), np.searchsorted(ids, dst)
m = len(src)

if tool == "igraph":
    import igraph as ig
    g = ig.Graph(n, directed=True)
    g.add_edges(np.column_stack([src, dst]))
    del src, dst
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    if algorithm == "pagerank":
        pr = g.pagerank(damping=0.85, implementation="prpack")
        detail = f"sum {sum(pr):.6f}, max {max(pr):.3g}"
    elif algorithm == "wcc":
        membership = g.connected_components(mode="weak").membership
        detail = f"{max(membership) + 1 if membership else 0} components"
    else:
        u = g.as_undirected().simplify()
        d = np.array(u.degree(), dtype=np.float64)
        local = np.nan_to_num(np.array(u.transitivity_local_undirected(mode="zero"), dtype=np.float64))
        per_vertex = np.rint(local * d * (d - 1) / 2).astype(np.int64)
        detail = f"{int(per_vertex.sum()) // 3} triangles"
    algo = time.perf_counter() - t1
    version = ig.__version__
else:
    import networkx as nx
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    del src, dst
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    if algorithm == "pagerank":
        pr = nx.pagerank(G, alpha=0.85, max_iter=100, tol=tol, weight=None)
        detail = f"sum {sum(pr.values()):.6f}, max {max(pr.values()):.3g}"
    elif algorithm == "wcc":
        comps = list(nx.weakly_connected_components(G))
        detail = f"{len(comps)} components"
    else:
        U = nx.Graph(G)
        U.remove_edges_from(list(nx.selfloop_edges(U)))
        tri = nx.triangles(U)
        detail = f"{sum(tri.values()) // 3} triangles"
    algo = time.perf_counter() - t1
    version = nx.__version__
print(json.dumps({"load": load, "algo": algo, "detail": detail, "n": n, "m": m, "version": version}), flush=True)
os._exit(0)  # deltalake's runtime can abort the interpreter's teardown
"""

# Vertex and edge counts from the Delta logs' statistics (no data read).
COUNTS = r"""
import os, sys
from deltalake import DeltaTable
print(*(DeltaTable(os.path.join(sys.argv[1], t)).to_pyarrow_dataset().count_rows() for t in ("entities", "relationships")), flush=True)
os._exit(0)
"""


class Failed(Exception):
    pass


def timed(cmd, timeout):
    """Runs cmd under /usr/bin/time -v in its own process group.
    Returns (wall seconds, peak RSS MiB, stdout); raises Failed on error or timeout."""
    proc = subprocess.Popen(
        ["/usr/bin/time", "-v", *map(str, cmd)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise Failed(f"timeout after {timeout:g}s")
    if proc.returncode != 0:
        sys.stderr.write(err[-4000:])
        raise Failed(f"exit {proc.returncode}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", err)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    seconds = float(wall.group(1) or 0) * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024.0, out


def ignis_sql(algorithm, data, tol):
    edges = f"'SELECT src, dst FROM delta.`{data}/relationships`'"
    vertices = f"'SELECT id FROM delta.`{data}/entities`'"
    if algorithm == "pagerank":
        call = f"pagerank({edges}, {vertices}, 'reset_probability => 0.15, max_iter => 100, tol => {tol!r}')"
        return f"SELECT count(*) AS n, sum(pagerank) AS total, max(pagerank) AS top FROM {call}"
    if algorithm == "wcc":
        call = f"connected_components({edges}, {vertices}, 'strong => false')"
        return f"SELECT count(*) AS n, count(DISTINCT component) AS components FROM {call}"
    call = f"triangle_count({edges}, {vertices})"
    return f'SELECT count(*) AS n, sum("count") / 3 AS triangles FROM {call}'


def ignis_detail(algorithm, csv_out):
    lines = [line for line in csv_out.strip().splitlines() if line]
    values = lines[-1].split(",") if lines else []
    if algorithm == "pagerank" and len(values) == 3:
        return f"sum {float(values[1]):.6f}, max {float(values[2]):.3g}"
    if algorithm == "wcc" and len(values) == 2:
        return f"{values[1]} components"
    if algorithm == "triangles" and len(values) == 2:
        return f"{values[1]} triangles"
    return " ".join(lines[-1:])


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ignis", type=Path, default=IGNIS, help="ignis binary (default target/release/ignis)")
    parser.add_argument("--scale", type=int, default=200, help="ignis generate --scale (5000 vertices per unit)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ignis-graph-bench"))
    parser.add_argument("--data", type=Path, help="directory with entities/ and relationships/ (default WORK/scaleS)")
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS), help=f"comma-separated subset of {ALGORITHMS}")
    parser.add_argument("--peer-only", action="store_true", help="skip ignis (and generation): measure the peers only")
    parser.add_argument("--skip-igraph", action="store_true")
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument("--networkx-max-edges", type=int, default=10_000_000,
                        help="skip networkx above this many edges (default 10M; ~1 KiB of memory per edge)")
    parser.add_argument("--pagerank-tol", type=float, default=1e-6,
                        help="PageRank tol for ignis and networkx (networkx's rule: L1 change < N * tol)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per measurement (default 3600)")
    args = parser.parse_args()
    algorithms = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    unknown = [a for a in algorithms if a not in ALGORITHMS]
    if unknown:
        parser.error(f"unknown algorithm(s) {unknown}; choose from {ALGORITHMS}")
    data = (args.data or args.work / f"scale{args.scale}").resolve()
    ignis = args.ignis.resolve()
    if not args.peer_only and not ignis.exists():
        raise SystemExit(f"{ignis} not found: build it with `cargo build --release --bin ignis` or pass --ignis")

    rows = []  # (algorithm, tool, total, load, algo, rss, detail)
    have = all((data / t / "_delta_log").is_dir() for t in ("entities", "relationships"))
    if not have:
        if args.peer_only:
            raise SystemExit(f"--peer-only needs the tables in {data}")
        data.parent.mkdir(parents=True, exist_ok=True)
        wall, rss, _ = timed(
            [ignis, "-q", "generate", "--out", data, "--scale", args.scale, "--seed", 7, "--only", "graph"],
            args.timeout,
        )
        rows.append(("generate", "ignis", wall, None, None, rss, f"scale {args.scale}, seed 7"))
    proc = subprocess.run([sys.executable, "-c", COUNTS, data], capture_output=True, text=True, check=True)
    n_vertices, n_edges = map(int, proc.stdout.split())
    print(f"data {data}: {n_vertices} vertices, {n_edges} edges", flush=True)
    if "pagerank" in algorithms and n_vertices * args.pagerank_tol > 1e-3:
        print(f"note: PageRank stops once the L1 change < N * tol = {n_vertices * args.pagerank_tol:g}: "
              f"expect few iterations (pass a smaller --pagerank-tol to compare converged runs)", flush=True)
    TITLES["pagerank"] = f"PageRank (alpha 0.85, tol {args.pagerank_tol:g})"

    tools = [] if args.peer_only else ["ignis"]
    tools += [] if args.skip_igraph else ["igraph"]
    tools += [] if args.skip_networkx else ["networkx"]
    versions = {}
    for algorithm in algorithms:
        for tool in tools:
            print(f"  {algorithm} / {tool} ...", end=" ", flush=True)
            if tool == "networkx" and n_edges > args.networkx_max_edges:
                rows.append((algorithm, tool, None, None, None, None,
                             f"skipped: {n_edges} edges > --networkx-max-edges {args.networkx_max_edges}"))
                print("skipped", flush=True)
                continue
            try:
                if tool == "ignis":
                    sql = ignis_sql(algorithm, data, args.pagerank_tol)
                    wall, rss, out = timed([ignis, "-q", "--format", "csv", "-c", sql], args.timeout)
                    rows.append((algorithm, tool, wall, None, None, rss, ignis_detail(algorithm, out)))
                else:
                    wall, rss, out = timed([sys.executable, "-c", PEER, tool, algorithm, data, args.pagerank_tol], args.timeout)
                    result = json.loads(out.strip().splitlines()[-1])
                    versions[tool] = result["version"]
                    rows.append((algorithm, tool, wall, result["load"], result["algo"], rss, result["detail"]))
                print(f"{rows[-1][2]:.2f}s", flush=True)
            except Failed as e:
                rows.append((algorithm, tool, None, None, None, None, f"failed: {e}"))
                print(e, flush=True)

    by_key = {(r[0], r[1]): r for r in rows}
    peers = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    print(f"\n{n_vertices} vertices, {n_edges} edges ({data}); {peers or 'no peers'}\n")
    print("| algorithm | tool | total s | load s | algorithm s | peak MiB | time vs ignis | memory vs ignis | result |")
    print("|---|---|---|---|---|---|---|---|---|")
    for algorithm, tool, total, load, algo, rss, detail in rows:
        base = by_key.get((algorithm, "ignis"))
        t_ratio = m_ratio = "-"
        if tool != "ignis" and base and base[2] and total:
            t_ratio = f"{total / base[2]:.2f}x"
            m_ratio = f"{rss / base[5]:.2f}x"
        title = TITLES.get(algorithm, algorithm)
        print(f"| {title} | {tool} | {fmt(total)} | {fmt(load)} | {fmt(algo)} | {fmt(rss, '.0f')} "
              f"| {t_ratio} | {m_ratio} | {detail} |")


if __name__ == "__main__":
    main()
