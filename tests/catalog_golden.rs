//! The catalog's table functions called from SQL, against golden outputs of the
//! reference implementations (scikit-learn, mlxtend, networkx). The fixtures and the scripts that
//! made them are in `udfs/tests/fixtures/` (`make_fixtures.py`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Int64Builder, ListBuilder};
use datafusion::arrow::datatypes::{Field, Float64Type, Int64Type, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use ignis::{IgnisConfig, IgnisContext};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("udfs/tests/fixtures")
        .join(kind)
}

fn csv_rows(path: &Path) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect())
}

fn ids(text: &str) -> Vec<i64> {
    let mut v: Vec<i64> = text
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    v.sort_unstable();
    v
}

/// Registers the baskets of a fixture file as table `baskets(items BIGINT[])`.
fn register_baskets(ctx: &IgnisContext, file: &Path) -> TestResult {
    let mut builder = ListBuilder::new(Int64Builder::new());
    for line in std::fs::read_to_string(file)?.lines() {
        for item in line.split_whitespace() {
            builder.values().append_value(item.parse()?);
        }
        builder.append(true);
    }
    let list = builder.finish();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "items",
        list.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(list)])?;
    ctx.session().register_table(
        "baskets",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;
    Ok(())
}

fn list_ids(array: &dyn Array, row: usize) -> Vec<i64> {
    let list = array.as_list::<i32>().value(row);
    list.as_primitive::<Int64Type>().values().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fpgrowth_matches_mlxtend() -> TestResult {
    let manifest = std::fs::read_to_string(fixtures("fpgrowth").join("manifest.tsv"))?;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (case, baskets, min_support, min_confidence, max_len) =
            (cols[0], cols[1], cols[2], cols[3], cols[4]);
        let ctx = IgnisContext::new(IgnisConfig::default())?;
        register_baskets(&ctx, &fixtures("fpgrowth").join(baskets))?;
        let max_len = if max_len == "-" {
            String::new()
        } else {
            format!(", max_len => {max_len}")
        };

        let batches = ctx
            .execute(&format!(
                "SELECT items, freq FROM frequent_itemsets('baskets', 'items', 'min_support => {min_support}{max_len}')"
            ))
            .await?
            .collect()
            .await?;
        let mut ours = BTreeMap::new();
        for b in &batches {
            let freq = b.column(1).as_primitive::<Int64Type>();
            for row in 0..b.num_rows() {
                ours.insert(list_ids(b.column(0).as_ref(), row), freq.value(row));
            }
        }
        let expected: BTreeMap<Vec<i64>, i64> =
            csv_rows(&fixtures("fpgrowth").join(format!("{case}.itemsets.csv")))?
                .into_iter()
                .map(|r| (ids(&r[0]), r[1].parse().unwrap_or(-1)))
                .collect();
        assert_eq!(ours, expected, "itemsets of {case}");

        let batches = ctx
            .execute(&format!(
                "SELECT antecedent, consequent, confidence, lift, support FROM association_rules('baskets', 'items',
                 'min_support => {min_support}, min_confidence => {min_confidence}{max_len}')"
            ))
            .await?
            .collect()
            .await?;
        let mut rules = BTreeMap::new();
        for b in &batches {
            for row in 0..b.num_rows() {
                let metrics: Vec<f64> = (2..5)
                    .map(|c| b.column(c).as_primitive::<Float64Type>().value(row))
                    .collect();
                rules.insert(
                    (
                        list_ids(b.column(0).as_ref(), row),
                        list_ids(b.column(1).as_ref(), row),
                    ),
                    metrics,
                );
            }
        }
        let expected = csv_rows(&fixtures("fpgrowth").join(format!("{case}.rules.csv")))?;
        assert_eq!(rules.len(), expected.len(), "rule count of {case}");
        for r in expected {
            let key = (ids(&r[0]), ids(&r[1]));
            let ours = rules
                .get(&key)
                .ok_or_else(|| format!("{case}: missing rule {key:?}"))?;
            for (i, value) in r[2..5].iter().enumerate() {
                let reference: f64 = value.parse()?;
                assert!(
                    (ours[i] - reference).abs() <= 1e-9,
                    "{case} {key:?} metric {i}: {} vs {reference}",
                    ours[i]
                );
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kmeans_wcss_within_one_percent_of_scikit_learn() -> TestResult {
    let golden = csv_rows(&fixtures("kmeans").join("golden.csv"))?;
    for dataset in ["blobs4", "overlap5"] {
        let ctx = IgnisContext::new(IgnisConfig::default())?;
        let path = fixtures("kmeans").join(format!("{dataset}.csv"));
        ctx.execute(&format!(
            "CREATE EXTERNAL TABLE points STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true')",
            path.display()
        ))
        .await?
        .collect()
        .await?;
        let features: Vec<String> = ctx
            .session()
            .table("points")
            .await?
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| n != "label")
            .collect();
        for (variant, standardize) in [("raw", false), ("std", true)] {
            let batches = ctx
                .execute(&format!(
                    "SELECT k, wcss FROM kmeans_elbow('points', '{}', 'k_min => 2, k_max => 8, seed => 0, standardize => {standardize}') ORDER BY k",
                    features.join(", ")
                ))
                .await?
                .collect()
                .await?;
            let mut checked = 0;
            for b in &batches {
                let ks = b
                    .column(0)
                    .as_primitive::<datafusion::arrow::datatypes::Int32Type>();
                let wcss = b.column(1).as_primitive::<Float64Type>();
                for row in 0..b.num_rows() {
                    let k = ks.value(row).to_string();
                    let reference: f64 = golden
                        .iter()
                        .find(|g| g[0] == dataset && g[1] == variant && g[2] == k)
                        .ok_or_else(|| format!("no golden value for {dataset} {variant} k={k}"))?
                        [3]
                    .parse()?;
                    let ratio = wcss.value(row) / reference;
                    assert!(
                        ratio <= 1.01,
                        "{dataset} {variant} k={k}: WCSS {} vs scikit-learn {reference}",
                        wcss.value(row)
                    );
                    checked += 1;
                }
            }
            assert_eq!(checked, 7, "{dataset} {variant}");
        }
    }
    Ok(())
}

/// Registers every CSV file of the graph fixtures as a table named after the file.
async fn graph_fixture_context() -> Result<IgnisContext, Box<dyn std::error::Error>> {
    let ctx = IgnisContext::new(IgnisConfig::default())?;
    for entry in std::fs::read_dir(fixtures("graph"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or("fixture name")?;
            ctx.execute(&format!(
                "CREATE EXTERNAL TABLE {name} STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true')",
                path.display()
            ))
            .await?
            .collect()
            .await?;
        }
    }
    Ok(ctx)
}

/// One number from a query.
async fn scalar(ctx: &IgnisContext, sql: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let batches = ctx.execute(sql).await?.collect().await?;
    let rows = common::format_rows(&batches, None)?;
    let cell = rows
        .first()
        .and_then(|r| r.first())
        .ok_or_else(|| format!("no rows from {sql}"))?;
    Ok(cell.parse()?)
}

/// Asserts that `actual` (a query) and `expected` (a fixture table) hold the same rows.
async fn assert_same_rows(ctx: &IgnisContext, actual: &str, expected: &str) -> TestResult {
    let differing = scalar(
        ctx,
        &format!(
            "SELECT count(*) FROM (
               (SELECT * FROM ({actual}) EXCEPT ALL SELECT * FROM {expected})
               UNION ALL
               (SELECT * FROM {expected} EXCEPT ALL SELECT * FROM ({actual})))"
        ),
    )
    .await?;
    let count = scalar(ctx, &format!("SELECT count(*) FROM {expected}")).await?;
    assert!(count > 0.0, "{expected} is empty");
    assert_eq!(differing, 0.0, "{actual} differs from {expected}");
    Ok(())
}

/// Asserts that the scores of `actual` (id, value) match `expected` (id, value) for the
/// same ids, within `tolerance`.
async fn assert_close_scores(
    ctx: &IgnisContext,
    actual: &str,
    expected: &str,
    tolerance: f64,
) -> TestResult {
    let sql = format!(
        "SELECT count(*) - count(a.id) + count(*) - count(e.id) AS unmatched,
                max(abs(a.v - e.v)) AS max_diff
         FROM (SELECT id, pagerank AS v FROM ({actual})) a
         FULL JOIN (SELECT id, pagerank AS v FROM {expected}) e ON a.id = e.id"
    );
    let batches = ctx.execute(&sql).await?.collect().await?;
    let rows = common::format_rows(&batches, None)?;
    assert_eq!(
        rows[0][0], "0",
        "{actual}: vertex sets differ from {expected}"
    );
    let max_diff: f64 = rows[0][1].parse()?;
    assert!(
        max_diff <= tolerance,
        "{actual}: max |difference| {max_diff} vs {expected}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_functions_match_networkx_on_karate_club() -> TestResult {
    let ctx = graph_fixture_context().await?;
    // Zachary's karate club: one row per undirected edge.
    assert_same_rows(
        &ctx,
        "SELECT id, count FROM triangle_count('karate_edges')",
        "karate_triangles",
    )
    .await?;
    assert_same_rows(
        &ctx,
        "SELECT id, component FROM connected_components('karate_edges')",
        "karate_components",
    )
    .await?;
    assert_same_rows(
        &ctx,
        "SELECT id, landmark, distance FROM shortest_paths('karate_edges', 'SELECT 0 UNION ALL SELECT 33', 'directed => false')",
        "karate_hops",
    )
    .await?;
    assert_close_scores(
        &ctx,
        "SELECT * FROM pagerank('karate_edges', 'tol => 1e-13, max_iter => 1000')",
        "karate_pagerank",
        1e-9,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_functions_match_networkx_on_a_directed_multigraph() -> TestResult {
    let ctx = graph_fixture_context().await?;
    // Self loops, parallel edges, dangling and isolated vertices, several components.
    let (edges, vertices) = ("'directed_edges'", "'directed_vertices'");
    assert_close_scores(
        &ctx,
        &format!("SELECT * FROM pagerank({edges}, {vertices}, 'tol => 1e-13, max_iter => 1000')"),
        "directed_pagerank",
        1e-9,
    )
    .await?;
    assert_close_scores(
        &ctx,
        &format!("SELECT * FROM pagerank({edges}, {vertices}, 'tol => 1e-13, max_iter => 1000, weight => weight')"),
        "directed_pagerank_weighted",
        1e-9,
    )
    .await?;
    for (sql, expected) in [
        (
            format!("SELECT id, component FROM connected_components({edges}, {vertices})"),
            "directed_wcc",
        ),
        (
            format!("SELECT id, component FROM connected_components({edges}, {vertices}, 'strong => true')"),
            "directed_scc",
        ),
        (
            format!("SELECT id, count FROM triangle_count({edges}, {vertices})"),
            "directed_triangles",
        ),
        (
            format!("SELECT id, in_degree, out_degree, degree FROM graph_degrees({edges}, {vertices})"),
            "directed_degrees",
        ),
        (
            format!("SELECT id, landmark, distance FROM shortest_paths({edges}, 'SELECT DISTINCT landmark FROM directed_hops')"),
            "directed_hops",
        ),
    ] {
        assert_same_rows(&ctx, &sql, expected).await?;
    }
    // Weighted distances are sums of 2-decimal weights: compare after rounding.
    assert_same_rows(
        &ctx,
        &format!(
            "SELECT id, landmark, round(distance, 6) FROM shortest_paths({edges}, \
             'SELECT DISTINCT landmark FROM directed_weighted', 'weight => weight')"
        ),
        "(SELECT id, landmark, round(distance, 6) FROM directed_weighted)",
    )
    .await
}
