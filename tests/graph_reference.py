#!/usr/bin/env python3
"""Checks the graph outputs of scenario script 17 against networkx on the same Delta tables.

    .venv/bin/python tests/graph_reference.py --data DATA --out OUT

DATA/entities (id, ..., planted_community) and DATA/relationships (src, dst, ..., weight)
are the generated inputs; OUT holds the script's Delta tables. The reference graph is a
networkx MultiDiGraph with every entity as a node and one edge per relationship row (rows
with a NULL end are dropped; an end missing from entities still becomes a node). Checks,
in order, each printing one line with its figure; the first failure exits 1:

  degree_results        id, in_degree, out_degree, degree: equal (parallel edges counted, a
                        self loop adds 1 to in and 1 to out)
  pagerank_results      id, pagerank: within --pagerank-tol (1e-6) absolute of
                        networkx.pagerank(alpha 0.85, tol 1e-12), unweighted unless
                        --pagerank-weight names the edge column the script used
  connected_components  id, component: weakly connected components, labelled by min id
  triangle_counts       id, count: networkx.triangles on the simple undirected graph
                        (directions, duplicates and self loops dropped)
  shortest_paths        id, landmark, distance: for each landmark in the table, the hops of
                        the shortest DIRECTED path id -> landmark; every reachable pair
                        present, no other pair
  community_results     id, label: NMI(label, planted_community) >= --min-nmi (0.9), the
                        arithmetic-mean normalisation (scikit-learn's default)

Every per-vertex table must hold each vertex exactly once. Needs deltalake, pyarrow and
networkx (tests/requirements.txt); uses scipy for pagerank when it is installed and
networkx's pure-Python power iteration otherwise (same result, a few seconds slower).
"""

import argparse
import math
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx
from deltalake import DeltaTable

ALPHA = 0.85


class CheckFailed(Exception):
    pass


def fail(check, message):
    raise CheckFailed(f"{check}: {message}")


def ok(check, message):
    print(f"ok   {check:<20} {message}", flush=True)


def read(path, columns, check):
    if not (Path(path) / "_delta_log").is_dir():
        fail(check, f"no Delta table at {path}")
    table = DeltaTable(str(path)).to_pyarrow_table()
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        fail(check, f"{path} lacks column(s) {missing}; it has {table.column_names}")
    return {c: table.column(c).to_pylist() for c in columns}


def sample(items, k=5):
    items = sorted(items, key=repr)
    more = f" (and {len(items) - k} more)" if len(items) > k else ""
    return f"{items[:k]}{more}"


def per_vertex(cols, nodes, check, value_columns):
    """{id: value or tuple of values}; fails unless every node appears exactly once."""
    ids = cols["id"]
    counts = Counter(ids)
    dups = [v for v, c in counts.items() if c > 1]
    if dups:
        fail(check, f"{len(dups)} id(s) appear more than once, e.g. {sample(dups)}")
    got = set(ids)
    if None in got:
        fail(check, "a row has a NULL id")
    missing, extra = nodes - got, got - nodes
    if missing:
        fail(check, f"{len(missing)} vertices missing, e.g. {sample(missing)}")
    if extra:
        fail(check, f"{len(extra)} ids that are not vertices, e.g. {sample(extra)}")
    values = list(zip(*(cols[c] for c in value_columns)))
    out = {}
    for v, val in zip(ids, values):
        if any(x is None for x in val):
            fail(check, f"NULL value for vertex {v}: {dict(zip(value_columns, val))}")
        out[v] = val if len(val) > 1 else val[0]
    return out


def build_graph(data):
    ent = read(data / "entities", ["id", "planted_community"], "entities")
    rel = read(data / "relationships", ["src", "dst", "weight"], "relationships")
    G = nx.MultiDiGraph()
    G.add_nodes_from(v for v in ent["id"] if v is not None)
    dropped = 0
    for s, d, w in zip(rel["src"], rel["dst"], rel["weight"]):
        if s is None or d is None:
            dropped += 1
            continue
        G.add_edge(s, d, weight=w)
    planted = {v: c for v, c in zip(ent["id"], ent["planted_community"]) if v is not None}
    return G, planted, dropped


def pagerank_reference(G, weight):
    try:
        import scipy  # noqa: F401  (networkx.pagerank needs it)

        return nx.pagerank(G, alpha=ALPHA, tol=1e-12, max_iter=10000, weight=weight), "scipy"
    except ImportError:
        from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

        return _pagerank_python(G, alpha=ALPHA, tol=1e-12, max_iter=10000, weight=weight), "pure Python"


def check_degrees(G, out, nodes):
    check = "degree_results"
    got = per_vertex(read(out / check, ["id", "in_degree", "out_degree", "degree"], check), nodes, check,
                     ["in_degree", "out_degree", "degree"])
    wrong = []
    for v in nodes:
        i, o = G.in_degree(v), G.out_degree(v)
        if tuple(got[v]) != (i, o, i + o):
            wrong.append((v, tuple(got[v]), (i, o, i + o)))
    if wrong:
        fail(check, f"{len(wrong)} vertices differ, e.g. (id, got (in, out, degree), want) {sample(wrong, 3)}")
    ok(check, f"{len(nodes)} vertices, {G.number_of_edges()} edges, max degree "
              f"{max((G.degree(v) for v in nodes), default=0)}: all equal")


def check_pagerank(G, out, nodes, tol, weight):
    check = "pagerank_results"
    got = per_vertex(read(out / check, ["id", "pagerank"], check), nodes, check, ["pagerank"])
    t = time.perf_counter()
    ref, how = pagerank_reference(G, weight)
    secs = time.perf_counter() - t
    diff, worst = max((abs(got[v] - ref[v]), v) for v in nodes) if nodes else (0.0, None)
    total = math.fsum(got.values())
    if not diff <= tol:  # also catches NaN
        hint = ""
        other = "weight" if weight is None else None
        try:
            alt, _ = pagerank_reference(G, other)
            alt_diff = max(abs(got[v] - alt[v]) for v in nodes)
            hint = f"; against the {'weighted' if other else 'unweighted'} reference the max diff is {alt_diff:.3g}"
        except Exception:  # a hint only
            pass
        fail(check, f"max |diff| {diff:.3g} > {tol:g} at vertex {worst} (got {got[worst]!r}, "
                    f"networkx {ref[worst]!r}); sum of scores {total!r}{hint}")
    ok(check, f"max |diff| {diff:.3g} (tol {tol:g}, {'weight ' + weight if weight else 'unweighted'}), "
              f"sum {total:.12f}; networkx ({how}) {secs:.1f}s")


def check_components(G, out, nodes):
    check = "connected_components"
    got = per_vertex(read(out / check, ["id", "component"], check), nodes, check, ["component"])
    want = {}
    for comp in nx.weakly_connected_components(G):
        m = min(comp)
        for v in comp:
            want[v] = m
    wrong = [(v, got[v], want[v]) for v in nodes if got[v] != want[v]]
    if wrong:
        fail(check, f"{len(wrong)} vertices labelled differently, e.g. (id, got, want) {sample(wrong, 3)}")
    sizes = Counter(want.values())
    ok(check, f"{len(sizes)} weak components (largest {max(sizes.values(), default=0)}, "
              f"{sum(1 for s in sizes.values() if s == 1)} singletons): identical, labels = min id")


def check_triangles(G, out, nodes):
    check = "triangle_counts"
    got = per_vertex(read(out / check, ["id", "count"], check), nodes, check, ["count"])
    U = nx.Graph()
    U.add_nodes_from(G.nodes)
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    want = nx.triangles(U)
    wrong = [(v, got[v], want[v]) for v in nodes if got[v] != want[v]]
    if wrong:
        fail(check, f"{len(wrong)} vertices differ, e.g. (id, got, want) {sample(wrong, 3)}")
    ok(check, f"{sum(want.values()) // 3} triangles, {sum(1 for v in nodes if want[v])} vertices in one: all equal")


def check_shortest_paths(G, out):
    check = "shortest_paths"
    cols = read(out / check, ["id", "landmark", "distance"], check)
    rows = list(zip(cols["id"], cols["landmark"], cols["distance"]))
    if not rows:
        fail(check, "the table is empty")
    got = {}
    for v, lm, d in rows:
        if v is None or lm is None or d is None:
            fail(check, f"a row has a NULL: {(v, lm, d)}")
        if (v, lm) in got:
            fail(check, f"pair (id {v}, landmark {lm}) appears more than once")
        got[(v, lm)] = d
    landmarks = sorted({lm for _, lm, _ in rows})
    unknown = [lm for lm in landmarks if lm not in G]
    if unknown:
        fail(check, f"landmark(s) {unknown} are not vertices")
    R = G.reverse(copy=False)
    want = {}
    for lm in landmarks:
        for v, d in nx.single_source_shortest_path_length(R, lm).items():
            want[(v, lm)] = d
    missing = set(want) - set(got)
    extra = set(got) - set(want)
    if missing:
        fail(check, f"{len(missing)} reachable (id, landmark) pairs missing, e.g. {sample(missing)}")
    if extra:
        fail(check, f"{len(extra)} pairs with no directed path id -> landmark, e.g. {sample(extra)}")
    wrong = [(k, got[k], d) for k, d in want.items() if got[k] != d]
    if wrong:
        fail(check, f"{len(wrong)} distances differ, e.g. ((id, landmark), got, want) {sample(wrong, 3)}")
    ok(check, f"{len(landmarks)} landmarks {landmarks[:5]}{'...' if len(landmarks) > 5 else ''}, "
              f"{len(want)} reachable pairs, max hops {max(want.values())}: all equal")


def nmi(a, b):
    """Normalised mutual information, arithmetic mean of the entropies (sklearn's default)."""
    n = len(a)
    if n == 0:
        return 1.0
    ca, cb, cab = Counter(a), Counter(b), Counter(zip(a, b))
    if len(ca) == len(cb) == 1:
        return 1.0
    h_a = -sum(c / n * math.log(c / n) for c in ca.values())
    h_b = -sum(c / n * math.log(c / n) for c in cb.values())
    mi = sum(c / n * math.log(n * c / (ca[x] * cb[y])) for (x, y), c in cab.items())
    return max(mi, 0.0) / max((h_a + h_b) / 2, sys.float_info.epsilon)


def check_communities(out, nodes, planted, min_nmi):
    check = "community_results"
    got = per_vertex(read(out / check, ["id", "label"], check), nodes, check, ["label"])
    pairs = [(got[v], planted[v]) for v in sorted(nodes) if planted.get(v) is not None]
    if not pairs:
        fail(check, "no vertex has a planted_community")
    score = nmi([p[0] for p in pairs], [p[1] for p in pairs])
    found, truth = len({p[0] for p in pairs}), len({p[1] for p in pairs})
    figure = f"NMI {score:.4f} (min {min_nmi}) over {len(pairs)} vertices: {found} labels, {truth} planted communities"
    if not score >= min_nmi:
        fail(check, figure)
    ok(check, figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="directory with entities/ and relationships/")
    parser.add_argument("--out", required=True, type=Path, help="directory with the script's output tables")
    parser.add_argument("--pagerank-tol", type=float, default=1e-6)
    parser.add_argument("--pagerank-weight", default=None, help="edge column the script weighted pagerank by")
    parser.add_argument("--min-nmi", type=float, default=0.9)
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        G, planted, dropped = build_graph(args.data)
        nodes = set(G.nodes)
        print(f"graph: {len(nodes)} vertices, {G.number_of_edges()} edges"
              f"{f' ({dropped} rows with a NULL end dropped)' if dropped else ''}; networkx {nx.__version__}")
        check_degrees(G, args.out, nodes)
        check_pagerank(G, args.out, nodes, args.pagerank_tol, args.pagerank_weight)
        check_components(G, args.out, nodes)
        check_triangles(G, args.out, nodes)
        check_shortest_paths(G, args.out)
        check_communities(args.out, nodes, planted, args.min_nmi)
    except CheckFailed as e:
        print(f"FAIL {e}", flush=True)
        sys.stderr.write(f"graph_reference: FAILED {e}\n")
        sys.stderr.flush()
        os._exit(1)
    except Exception:  # noqa: BLE001  (a crash is a failure too, with its traceback)
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(1)
    print(f"all graph checks passed in {time.perf_counter() - start:.1f}s", flush=True)
    # deltalake's runtime can abort the interpreter's teardown ("terminate called without
    # an active exception", exit 134) at random: leave without it, as the Rust tests do.
    os._exit(0)


if __name__ == "__main__":
    main()
