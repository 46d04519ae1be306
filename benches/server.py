#!/usr/bin/env python3
"""Throughput and latency of `ignis serve` under pgbench (PostgreSQL's own load tool).

    .venv/bin/python benches/server.py [--binary target/release/ignis] [--scale 5]
        [--seconds 10] [--clients 1,8,32] [--work DIR]

Generates the `text` group (20,000 social posts per unit of scale), starts
`ignis serve` on a free loopback port with an --init script registering
`social_posts`, then runs pgbench with a custom script for each client count:
  - point query: one post by id (DataFusion has no index, so this scans the table);
  - aggregation: posts, followers and distinct users per platform and hour
    (scenario-sized: the whole table).
pgbench logs every transaction's latency (`--log`); the script reports queries per
second, p50 and p99 latency. Measurements only.

Peer: with `--postgres-bin DIR` (default: the newest /usr/lib/postgresql/*/bin, if any)
the same pgbench scripts also run against a throwaway PostgreSQL cluster holding the
same posts (loaded by COPY from a CSV Ignis exports; no index, as in Ignis), started as
the `postgres` user when run as root.
"""

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPTS = {
    "point query": "\\set n random(1, {posts})\n"
                   "SELECT text, followers_count FROM social_posts WHERE post_id = 'post' || lpad(CAST(:n AS VARCHAR), 8, '0');\n",
    "aggregation": "SELECT platform, date_trunc('hour', \"timestamp\") AS hour, count(*), avg(followers_count), "
                   "count(DISTINCT user_id) FROM social_posts GROUP BY 1, 2 ORDER BY 1, 2;\n",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def run_pgbench(server, url, env, work, posts, args):
    for name, script in SCRIPTS.items():
        path = work / f"{name.replace(' ', '_')}.sql"
        path.write_text(script.format(posts=posts))
        os.chmod(path, 0o644)
        for clients in [int(c) for c in args.clients.split(",")]:
            for old in glob.glob(str(work / "pgbench_log*")):
                os.remove(old)
            proc = subprocess.run(
                ["pgbench", "-n", "-f", path, "-c", str(clients), "-j", str(min(clients, 4)),
                 "-T", str(args.seconds), "--protocol=extended", "--log",
                 f"--log-prefix={work}/pgbench_log", url],
                env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.stderr.write(proc.stdout + proc.stderr)
                raise SystemExit(f"pgbench failed for {name} with {clients} clients on {server}")
            latencies = []
            for log in glob.glob(str(work / "pgbench_log*")):
                for line in open(log):
                    fields = line.split()
                    latencies.append(int(fields[2]) / 1000.0)
            qps = len(latencies) / args.seconds
            print(f"| {server} | {name} | {clients} | {qps:.1f} | {percentile(latencies, 50):.2f} | "
                  f"{percentile(latencies, 99):.2f} |", flush=True)


def newest_postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def pg_version(pg_bin):
    out = subprocess.run([pg_bin / "postgres", "--version"], capture_output=True, text=True)
    return out.stdout.split()[2]


class postgres_peer:
    """A throwaway PostgreSQL cluster on a free port holding social_posts."""

    def __init__(self, pg_bin, work, ignis, data):
        self.pg_bin, self.work, self.ignis, self.data = pg_bin, work, ignis, data
        self.dir = work / "pg"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command, **kwargs):
        return subprocess.run(self.as_user + [str(c) for c in command], check=True,
                              capture_output=True, text=True, **kwargs)

    def __enter__(self):
        csv = self.work / "posts.csv"
        subprocess.run([self.ignis, "-c",
                        f"COPY (SELECT post_id, platform, user_id, text, \"timestamp\", followers_count "
                        f"FROM delta.`{self.data}/social_posts`) TO '{csv}' STORED AS CSV"],
                       check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        for path in [self.work, self.dir, csv]:
            os.chmod(path, 0o777 if path != csv else 0o644)
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.run(self.pg_bin / "initdb", "-D", self.dir, "-A", "trust", "-U", "bench")
        self.run(self.pg_bin / "pg_ctl", "-D", self.dir, "-l", self.dir / "log", "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100",
                 "start")
        url = f"host=127.0.0.1 port={self.port} user=bench dbname=postgres"
        subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                        "CREATE TABLE social_posts (post_id text, platform text, user_id text, "
                        "text text, \"timestamp\" timestamptz, followers_count int)", "-c",
                        f"COPY social_posts FROM '{csv}' CSV HEADER", "-c", "ANALYZE social_posts"],
                       check=True)
        return url

    def __exit__(self, *exc):
        self.run(self.pg_bin / "pg_ctl", "-D", self.dir, "-m", "fast", "stop")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=ROOT / "target/release/ignis")
    parser.add_argument("--scale", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--postgres-bin", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ignis-serve-bench-"))
    data = work / "data"
    if not (data / "social_posts").exists():
        subprocess.run([args.binary, "generate", "--out", data, "--only", "text",
                        "--scale", str(args.scale)], check=True, stdout=subprocess.DEVNULL)
    init = work / "init.sql"
    init.write_text(f"CREATE EXTERNAL TABLE social_posts STORED AS DELTA LOCATION '{data}/social_posts';\n")
    port = free_port()
    password = "bench"
    server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--user", "bench",
                               "--password", password, "--init", init, "--data-root", work,
                               "--max-connections", "100"],
                              stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        posts = 20_000 * args.scale
        print(f"\n`ignis serve` under pgbench, {posts:,} posts, {args.seconds} s per run\n")
        print("| server | query | clients | queries/s | p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|")
        url = f"host=127.0.0.1 port={port} user=bench dbname=datafusion"
        run_pgbench("ignis", url, dict(os.environ, PGPASSWORD=password), work, posts, args)
        pg_bin = args.postgres_bin or newest_postgres_bin()
        if pg_bin is not None:
            with postgres_peer(pg_bin, work, args.binary, data) as pg_url:
                run_pgbench(f"PostgreSQL {pg_version(pg_bin)}", pg_url, dict(os.environ), work,
                            posts, args)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
