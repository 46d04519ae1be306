//! Scenario scripts 06 (social media sentiment) and 19 (natural language processing) on
//! the generated `text` group. Every value is checked against an independent reference
//! run in Python on the same Delta tables: vaderSentiment 3.3.2 for the scores, the
//! seed's own keyword UDF, Spark's documented Tokenizer / StopWordsRemover behaviour,
//! the Snowball project's Python stemmer, and Spark's CountVectorizer + IDF formulas;
//! and against what the generator planted (hashtag polarity, the Globex outage, brand
//! perception, topics).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::scenario::{close, f, i, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Scenario 06 recomputed in Python: per post (`post|id|compound|label|brand|product|
/// campaign|tier`), per hashtag, per 15-minute window and label, per platform, and the
/// influential posts.
const SOCIAL_REFERENCE: &str = r#"
import sys
from collections import defaultdict
from deltalake import DeltaTable
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
data = sys.argv[1]
posts = DeltaTable(data + "/social_posts").to_pyarrow_table().to_pylist()
kw = {name: [r["keyword"] for r in DeltaTable(f"{data}/{name}_keywords").to_pyarrow_table().to_pylist()]
      for name in ("brand", "product", "campaign")}
sia = SentimentIntensityAnalyzer()

def contains_keywords(text, keywords_list):   # the seed's UDF
    text_lower = text.lower()
    return any(keyword.lower() in text_lower for keyword in keywords_list)

tags = defaultdict(lambda: [0, 0.0, 0, 0])
trends = defaultdict(int)
brands = defaultdict(lambda: [0, 0.0])
for p in posts:
    c = sia.polarity_scores(p["text"])["compound"]
    score = (c + 1.0) / 2.0
    label = "positive" if c >= 0.05 else ("negative" if c <= -0.05 else "neutral")
    flags = [contains_keywords(p["text"], kw[k]) for k in ("brand", "product", "campaign")]
    n = p["followers_count"]
    tier = "high" if n > 10000 else ("medium" if n > 1000 else "low")
    print("post|%s|%r|%s|%s|%s|%s|%s" % (p["post_id"], c, label, *[str(x).lower() for x in flags], tier))
    for t in p["hashtags"] or []:
        e = tags[t]; e[0] += 1; e[1] += score; e[2] += label == "positive"; e[3] += label == "negative"
    ts = int(p["timestamp"].timestamp())
    trends[(ts - ts % 900, label)] += 1
    if flags[0]:
        brands[p["platform"]][0] += 1; brands[p["platform"]][1] += score
    if tier == "high" and (score > 0.8 or score < 0.2):
        print("influential|%s" % p["post_id"])
for t, (m, s, pos, neg) in tags.items():
    ratio = pos / (pos + neg) if pos + neg else "NULL"
    print("tag|%s|%d|%r|%d|%d|%s" % (t, m, s / m, pos, neg, ratio if ratio == "NULL" else repr(ratio)))
for (w, label), n in trends.items():
    print("trend|%d|%s|%d" % (w, label, n))
for platform, (n, s) in brands.items():
    print("brand|%s|%d|%r" % (platform, n, s / n))
"#;

/// Lines of the reference output starting with `kind|`, split on `|`, without the kind.
fn lines<'a>(reference: &'a str, kind: &str) -> Vec<Vec<&'a str>> {
    reference
        .lines()
        .filter_map(|l| l.strip_prefix(kind).and_then(|r| r.strip_prefix('|')))
        .map(|r| r.split('|').collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_media_sentiment_matches_vader_and_the_seed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Text]).await?;
    run_file(&ctx, &script("06_social_media_sentiment.sql"), None).await?;
    let data = dir.path().join("data").display().to_string();
    let out = dir.path().join("out").display().to_string();
    let reference = common::run_python(&["-c", SOCIAL_REFERENCE, &data])?;

    // Every post: VADER's compound, the label, the seed's keyword flags and the tier.
    let ours = rows(
        &ctx,
        &format!(
            "SELECT post_id, compound_score, sentiment, mentions_brand, mentions_product, \
             mentions_campaign, engagement_potential FROM delta.`{out}/post_sentiment`"
        ),
    )
    .await?;
    let ours: HashMap<&str, &Vec<String>> = ours.iter().map(|r| (r[0].as_str(), r)).collect();
    let expected = lines(&reference, "post");
    assert_eq!(expected.len(), 20_000);
    assert_eq!(ours.len(), expected.len());
    for e in &expected {
        let r = ours
            .get(e[0])
            .ok_or_else(|| format!("post {} missing", e[0]))?;
        assert!(
            (f(&r[1])? - f(e[1])?).abs() <= 1e-4,
            "compound of {}: {r:?} vs {e:?}",
            e[0]
        );
        assert_eq!(&r[2..7], &e[2..7], "post {}", e[0]);
    }

    // Hashtag sentiment: counts exact, averages to rounding.
    let tags = rows(
        &ctx,
        &format!("SELECT hashtag, mentions, avg_sentiment, positive_count, negative_count, sentiment_ratio FROM delta.`{out}/hashtag_sentiment`"),
    )
    .await?;
    let expected_tags = lines(&reference, "tag");
    assert_eq!(tags.len(), expected_tags.len());
    let by_tag: HashMap<&str, &Vec<String>> = tags.iter().map(|r| (r[0].as_str(), r)).collect();
    for e in &expected_tags {
        let r = by_tag
            .get(e[0])
            .ok_or_else(|| format!("hashtag {} missing", e[0]))?;
        assert_eq!(
            (r[1].as_str(), r[3].as_str(), r[4].as_str()),
            (e[1], e[3], e[4]),
            "{}",
            e[0]
        );
        assert!((f(&r[2])? - f(e[2])?).abs() < 1e-9, "{r:?} vs {e:?}");
        assert!(close(&r[5], e[5]), "{r:?} vs {e:?}");
    }
    // Planted: hashtags follow the post's sentiment.
    for tag in ["#love", "#happy", "#blessed", "#winning"] {
        assert!(f(&by_tag[tag][2])? > 0.8, "{tag}: {:?}", by_tag[tag]);
    }
    for tag in [
        "#fail",
        "#neveragain",
        "#disappointed",
        "#scam",
        "#GlobexOutage",
    ] {
        assert!(f(&by_tag[tag][2])? < 0.3, "{tag}: {:?}", by_tag[tag]);
    }

    // 15-minute trends, exact.
    let trends = rows(
        &ctx,
        &format!("SELECT CAST(to_unixtime(\"window\"['start']) AS BIGINT), sentiment, \"count\" FROM delta.`{out}/sentiment_trends`"),
    )
    .await?;
    let ours: BTreeSet<Vec<String>> = trends.into_iter().collect();
    let expected: BTreeSet<Vec<String>> = lines(&reference, "trend")
        .into_iter()
        .map(|e| e.into_iter().map(str::to_string).collect())
        .collect();
    assert_eq!(ours, expected);
    // Planted: the Globex outage (2025-06-02 06:00-08:00 UTC) holds the 8 windows with
    // the highest negative share (of the windows with at least 50 posts: the last
    // window of the two days is nearly empty).
    let worst = rows(
        &ctx,
        &format!(
            "SELECT CAST(to_unixtime(w) AS BIGINT) FROM (
                SELECT \"window\"['start'] AS w,
                       sum(CASE WHEN sentiment = 'negative' THEN \"count\" ELSE 0 END) * 1.0 / sum(\"count\") AS share
                FROM delta.`{out}/sentiment_trends` GROUP BY 1 HAVING sum(\"count\") >= 50)
             ORDER BY share DESC LIMIT 8"
        ),
    )
    .await?;
    let incident = 1_748_736_000 + 30 * 3600..1_748_736_000 + 32 * 3600;
    for w in &worst {
        assert!(
            incident.contains(&i(&w[0])?),
            "window {w:?} is outside the outage"
        );
    }

    // Brand mentions by platform.
    let brands = rows(
        &ctx,
        &format!("SELECT platform, mention_count, avg_sentiment FROM delta.`{out}/brand_mentions`"),
    )
    .await?;
    let expected = lines(&reference, "brand");
    assert_eq!(brands.len(), expected.len());
    for e in &expected {
        let r = brands
            .iter()
            .find(|r| r[0] == e[0])
            .ok_or_else(|| format!("platform {} missing", e[0]))?;
        assert_eq!(r[1], e[1]);
        assert!((f(&r[2])? - f(e[2])?).abs() < 1e-9, "{r:?} vs {e:?}");
    }

    // Influential posts: exactly the reference's.
    let influential: BTreeSet<String> = rows(
        &ctx,
        &format!("SELECT post_id FROM delta.`{out}/influential_posts`"),
    )
    .await?
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    let expected: BTreeSet<String> = lines(&reference, "influential")
        .into_iter()
        .map(|e| e[0].to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(influential, expected);

    // Planted brand perception: Acme's posts score highest, Globex's lowest.
    let perception = rows(
        &ctx,
        &format!(
            "SELECT p.brand, avg(s.sentiment_score) FROM delta.`{out}/post_sentiment` s
             JOIN delta.`{data}/planted_posts` p USING (post_id)
             WHERE p.brand IS NOT NULL AND NOT p.incident GROUP BY p.brand ORDER BY 2 DESC"
        ),
    )
    .await?;
    assert_eq!(perception.first().map(|r| r[0].as_str()), Some("Acme"));
    assert_eq!(perception.last().map(|r| r[0].as_str()), Some("Globex"));
    Ok(())
}

/// Scenario 19 recomputed in Python from the raw texts: tokens (Spark's Tokenizer is
/// Java's `lower().split("\\s")`, so consecutive separators give empty tokens and
/// trailing ones are dropped), stop words (Spark's English list, read from the file the
/// Rust crate embeds), Snowball stems, VADER per document and by category, and
/// CountVectorizer (min_df 5, vocab 10000, ties by term) + Spark IDF top terms.
const NLP_REFERENCE: &str = r#"
import sys, re, math
from collections import Counter, defaultdict
from deltalake import DeltaTable
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
import snowballstemmer
data, stopword_file = sys.argv[1], sys.argv[2]
docs = DeltaTable(data + "/text_data").to_pyarrow_table().to_pylist()
stop = set(open(stopword_file).read().split())
stemmer = snowballstemmer.stemmer("english")
sia = SentimentIntensityAnalyzer()

def java_split_ws(s):
    parts = re.split(r"[ \t\n\x0b\f\r]", s)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts

filtered = {}
by_cat = defaultdict(lambda: [0, 0, 0, 0, 0.0])
for d in docs:
    cleaned = re.sub(r"\s+", " ", re.sub(r"[^a-zA-Z0-9\s]", " ", d["text"].lower())).strip()
    tokens = java_split_ws(cleaned)
    kept = [t for t in tokens if t.lower() not in stop]
    filtered[d["document_id"]] = kept
    print("tokens|%d|%s|%s" % (d["document_id"], " ".join(kept), " ".join(stemmer.stemWords(kept))))
    c = sia.polarity_scores(d["text"])["compound"]
    label = "positive" if c >= 0.05 else ("negative" if c <= -0.05 else "neutral")
    e = by_cat[d["category"]]
    e[0] += 1; e[1] += label == "positive"; e[2] += label == "negative"; e[3] += label == "neutral"; e[4] += c
for cat, (n, pos, neg, neu, s) in by_cat.items():
    print("category|%s|%d|%d|%d|%d|%r" % (cat, n, pos, neg, neu, s / n))

m = len(filtered)
df = Counter(t for toks in filtered.values() for t in set(toks))
total = Counter(t for toks in filtered.values() for t in toks)
vocab = sorted((t for t in total if df[t] >= 5), key=lambda t: (-total[t], t))[:10000]
vocab_set = set(vocab)
for doc_id, toks in filtered.items():
    counts = Counter(t for t in toks if t in vocab_set)
    for t, tf in counts.items():
        score = tf * math.log((m + 1) / (df[t] + 1))
        if score > 0:
            print("tfidf|%d|%s|%r" % (doc_id, t, score))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nlp_pipeline_matches_references_and_recovers_topics() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Text]).await?;
    run_file(&ctx, &script("19_natural_language_processing.sql"), None).await?;
    let data = dir.path().join("data").display().to_string();
    let out = dir.path().join("out").display().to_string();
    let stopwords = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("udfs/src/text/data/spark_english_stopwords.txt");
    let reference =
        common::run_python(&["-c", NLP_REFERENCE, &data, &stopwords.display().to_string()])?;

    // Tokens without stop words, and their stems, for every document.
    let ours = rows(
        &ctx,
        &format!(
            "SELECT document_id, array_to_string(filtered_tokens, ' '), array_to_string(stemmed_tokens, ' ') \
             FROM delta.`{out}/processed_text`"
        ),
    )
    .await?;
    let ours: HashMap<&str, &Vec<String>> = ours.iter().map(|r| (r[0].as_str(), r)).collect();
    let expected = lines(&reference, "tokens");
    assert_eq!(expected.len(), 3000);
    for e in &expected {
        let r = ours
            .get(e[0])
            .ok_or_else(|| format!("document {} missing", e[0]))?;
        assert_eq!(
            (r[1].as_str(), r[2].as_str()),
            (e[1], e[2]),
            "document {}",
            e[0]
        );
    }

    // Sentiment by category.
    let categories = rows(
        &ctx,
        &format!("SELECT category, document_count, positive_count, negative_count, neutral_count, avg_compound_score FROM delta.`{out}/sentiment_by_category`"),
    )
    .await?;
    let expected = lines(&reference, "category");
    assert_eq!(categories.len(), 4);
    for e in &expected {
        let r = categories
            .iter()
            .find(|r| r[0] == e[0])
            .ok_or_else(|| format!("category {} missing", e[0]))?;
        assert_eq!(&r[1..5], &e[1..5], "{}", e[0]);
        assert!((f(&r[5])? - f(e[5])?).abs() < 1e-9, "{r:?} vs {e:?}");
    }
    // Planted: reviews lean positive, tickets negative.
    let avg = |c: &str| -> Result<f64, Box<dyn std::error::Error>> {
        f(&categories.iter().find(|r| r[0] == c).ok_or("category")?[5])
    };
    assert!(avg("product_review")? > 0.2 && avg("support_ticket")? < -0.2);

    // TF-IDF top terms: every (document, term, score) of the reference.
    let ours = rows(
        &ctx,
        &format!("SELECT document_id, term, tfidf_score FROM delta.`{out}/top_terms`"),
    )
    .await?;
    let expected = lines(&reference, "tfidf");
    assert_eq!(ours.len(), expected.len());
    let ours: HashMap<(&str, &str), &str> = ours
        .iter()
        .map(|r| ((r[0].as_str(), r[1].as_str()), r[2].as_str()))
        .collect();
    for e in &expected {
        let score = ours
            .get(&(e[0], e[1]))
            .ok_or_else(|| format!("term {} of document {} missing", e[1], e[0]))?;
        assert!(
            (f(score)? - f(e[2])?).abs() <= 1e-9 * f(e[2])?.max(1.0),
            "{e:?}: {score}"
        );
    }

    // LDA: planted topics against the fitted topics' top-10 terms. k = 10 (the seed's)
    // on texts that also share sentiment words: one fitted topic may gather those
    // instead of a planted topic, so at least 9 of the 10 planted topics must each own a
    // distinct fitted topic whose top terms are at least 7 of its 20 planted words.
    let topic_terms = rows(
        &ctx,
        &format!(
            "SELECT t.topic, p.topic FROM delta.`{out}/topic_terms` t
             LEFT JOIN delta.`{data}/planted_topic_terms` p ON t.term = p.term"
        ),
    )
    .await?;
    let mut owners: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for r in &topic_terms {
        *owners
            .entry(r[0].clone())
            .or_default()
            .entry(r[1].clone())
            .or_default() += 1;
    }
    let mut mapping: BTreeMap<String, String> = BTreeMap::new();
    for (fitted, planted) in &owners {
        if let Some((topic, n)) = planted
            .iter()
            .filter(|(p, _)| *p != "NULL")
            .max_by_key(|(_, n)| **n)
        {
            if *n >= 7 {
                assert!(
                    mapping.insert(topic.clone(), fitted.clone()).is_none(),
                    "planted topic {topic} owns two fitted topics: {owners:?}"
                );
            }
        }
    }
    assert!(
        mapping.len() >= 9,
        "recovered planted topics: {mapping:?} from {owners:?}"
    );

    // Documents of the recovered topics get them as their primary topic.
    let assigned = rows(
        &ctx,
        &format!(
            "SELECT p.planted_topic, d.primary_topic FROM delta.`{out}/document_topics` d
             JOIN delta.`{data}/planted_documents` p USING (document_id)"
        ),
    )
    .await?;
    let (mut agree, mut total) = (0usize, 0usize);
    for r in &assigned {
        if let Some(fitted) = mapping.get(&r[0]) {
            total += 1;
            agree += usize::from(*fitted == r[1]);
        }
    }
    assert!(
        total > 2000 && agree * 100 >= total * 90,
        "{agree} of {total}"
    );
    // The dashboard joins every document once.
    let dashboard = rows(
        &ctx,
        "SELECT count(*), count(primary_topic), count(sentiment_label) FROM nlp_dashboard",
    )
    .await?;
    assert_eq!(
        dashboard,
        vec![vec!["3000".to_string(), "3000".into(), "3000".into()]]
    );
    Ok(())
}
