#!/usr/bin/env python3
"""Benchmark of Ignis's text feature pipeline against the same steps in Python.

    .venv/bin/python benches/text_features.py [--docs 200000] [--work DIR] [--binary target/release/ignis]

Generates the `text` group with `ignis generate` at the scale that gives DOCS documents
(3000 per unit of scale), then times, each in its own process under /usr/bin/time -v
(wall time, peak RSS), the pipeline of seed scenario 19 up to TF-IDF:
clean (lower-case, non-alphanumerics to spaces, collapse and trim spaces) → Spark
Tokenizer → Spark's English stop words → Snowball English stems → CountVectorizer
(vocab 10000, min_df 5) → Spark IDF → each document's top 10 terms by TF-IDF:
  - Ignis: `tokenize`, `remove_stopwords`, `stem` and the `tf_idf` table function;
  - Python: `re`, a set of Spark's stop words, `snowballstemmer` (with PyStemmer's C
    stemmer when installed, else pure Python), scikit-learn's CountVectorizer (the
    tokens pre-split) and numpy for Spark's IDF and the top terms.
Both print the number of (document, term) rows kept and the sum of their scores, which
the script compares. Measurements only; nothing is asserted on time.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOPWORDS = ROOT / "udfs/src/text/data/spark_english_stopwords.txt"


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


IGNIS_SQL = """
CREATE VIEW processed AS
SELECT document_id, stem(remove_stopwords(tokenize(
    btrim(regexp_replace(regexp_replace(lower(text), '[^a-zA-Z0-9\\s]', ' ', 'g'), '\\s+', ' ', 'g'))
))) AS terms
FROM delta.`{data}/text_data`;
SELECT count(*) AS rows_kept, round(sum(tf_idf), 3) AS score_sum
FROM tf_idf('processed', 'document_id', 'terms', 'vocab_size => 10000, min_df => 5, top_n => 10');
"""

PYTHON_PIPELINE = r"""
import re, sys
import numpy as np
from deltalake import DeltaTable
from sklearn.feature_extraction.text import CountVectorizer
import snowballstemmer
data, stopword_file = sys.argv[1], sys.argv[2]
table = DeltaTable(data + "/text_data").to_pyarrow_table(columns=["document_id", "text"])
texts = table.column("text").to_pylist()
stop = set(open(stopword_file).read().split())
stemmer = snowballstemmer.stemmer("english")
non_alnum, spaces = re.compile(r"[^a-zA-Z0-9\s]"), re.compile(r"\s+")
docs = []
for t in texts:
    cleaned = spaces.sub(" ", non_alnum.sub(" ", t.lower())).strip()
    tokens = [w for w in cleaned.split(" ") if w not in stop]
    docs.append(stemmer.stemWords(tokens))
cv = CountVectorizer(analyzer=lambda d: d, min_df=5, max_features=10000)
tf = cv.fit_transform(docs).tocsr()
m = tf.shape[0]
df = np.bincount(tf.indices, minlength=tf.shape[1])
idf = np.log((m + 1) / (df + 1))
tfidf = tf.multiply(idf).tocsr()
rows, total = 0, 0.0
for i in range(m):
    start, end = tfidf.indptr[i], tfidf.indptr[i + 1]
    scores = np.sort(tfidf.data[start:end])[::-1][:10]
    rows += len(scores)
    total += float(scores.sum())
print(f"{rows},{round(total, 3)}")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--binary", type=Path, default=ROOT / "target/release/ignis")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ignis-text-bench-"))
    data = work / "data"
    scale = max(1, -(-args.docs // 3000))
    if not (data / "text_data").exists():
        print(f"generating the text group at scale {scale} into {data} ...", flush=True)
        subprocess.run([args.binary, "generate", "--out", data, "--only", "text",
                        "--scale", str(scale)], check=True, stdout=subprocess.DEVNULL)
    sql = IGNIS_SQL.format(data=data)
    results = {}
    t, rss, out = timed([args.binary, "-q", "--format", "csv", "-c", sql])
    results["ignis"] = (t, rss, out.splitlines()[-1])
    t, rss, out = timed([sys.executable, "-c", PYTHON_PIPELINE, data, STOPWORDS])
    results["python (re + snowballstemmer + scikit-learn)"] = (t, rss, out.splitlines()[-1])
    print(f"\ntokenize + stop words + stem + TF-IDF top 10 over {scale * 3000:,} documents\n")
    print(f"| engine | time (s) | peak RSS (MiB) | rows kept, score sum |")
    print(f"|---|---|---|---|")
    for name, (t, rss, out) in results.items():
        print(f"| {name} | {t:.2f} | {rss:.0f} | {out} |")
    ignis, python = results["ignis"], results["python (re + snowballstemmer + scikit-learn)"]
    print(f"\nratio Python / Ignis: {python[0] / ignis[0]:.1f}x time, "
          f"{python[1] / ignis[1]:.2f}x memory")
    if ignis[2] != python[2]:
        print(f"WARNING: results differ: ignis {ignis[2]} vs python {python[2]}")


if __name__ == "__main__":
    main()
