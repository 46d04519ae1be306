//! Social media posts and text documents for seed scenarios 6 (Social Media Sentiment
//! Analysis) and 19 (Natural Language Processing).
//!
//! Tables, in generation order:
//!
//! * `brand_keywords`, `product_keywords`, `campaign_keywords` (keyword): what the
//!   marketing team tracks, 8 brands, 12 products and 6 campaigns.
//! * `social_posts` (post_id, platform, user_id, text, timestamp, location,
//!   followers_count, hashtags): the seed's post schema. `20000 × scale` posts over two
//!   days from 2025-06-01T00:00Z, by `2000 × scale` users whose follower counts are
//!   log-normal (about 8 % above 10,000, 35 % above 1,000).
//! * `planted_posts` (post_id, planted_sentiment, brand, incident): the ground truth.
//! * `text_data` (document_id, category, text): `3000 × scale` customer texts in four
//!   categories (`product_review`, `support_ticket`, `travel_review`,
//!   `survey_response`), 3–6 sentences each.
//! * `planted_documents` (document_id, planted_topic, planted_sentiment) and
//!   `planted_topic_terms` (topic, term): the ground truth of the documents.
//!
//! # Planted structure
//!
//! * **Sentiment**: each post and document is written positive, negative or neutral.
//!   Sentences use everyday English with what VADER scores: negations ("is not bad at
//!   all", "is NOT worth it"), intensifiers ("really", "extremely", "kind of"), "but"
//!   clauses, words in capitals, "!!!" and "???", emoticons and emoji. Neutral texts
//!   use no word of VADER's lexicon. Categories have planted shares (product reviews
//!   65 % positive, support tickets 65 % negative, travel reviews 50 / 30, surveys
//!   mostly neutral); brands have planted perception (Acme 70 % positive posts,
//!   Globex 25 %, the others between); hashtags follow the post's sentiment (`#love`,
//!   `#happy` on positive posts, `#fail`, `#neveragain` on negative ones, `#tech`,
//!   `#news` on any).
//! * **Incident**: from 2025-06-02T06:00Z to 08:00Z a Globex outage adds posts that are
//!   all negative (`incident` = true, with `#GlobexOutage`): the 15-minute windows of
//!   those two hours have the highest negative share.
//! * **Topics**: every document is about one of 10 topics (billing, shipping, battery,
//!   screen, software, customer service, food, travel, audio, fitness), each with 20
//!   words of its own (`planted_topic_terms`) that make up most of the document's
//!   content words, so LDA with k = 10 recovers them.
//! * **Mentions**: brand, product and campaign keywords appear in post texts in mixed
//!   case ("ACME", "acme", "Acme's").
//!
//! Posts draw from `tag::TEXT_POST` (one stream per post), users from
//! `tag::TEXT_USER`, documents from `tag::TEXT_DOCUMENT`, so output depends only on
//! `(scale, seed)`; both big tables are written chunk by chunk.

use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, ListBuilder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::seq::IndexedRandom;
use rand::Rng;

use super::delta_writer::{write_delta, write_named_batch, BatchIter};
use super::{gaussian, id_chunks, sub_rng, tag, utc_micros, GenerateError};

pub(super) const POSTS_TABLE: &str = "social_posts";
pub(super) const PLANTED_POSTS_TABLE: &str = "planted_posts";
pub(super) const DOCUMENTS_TABLE: &str = "text_data";
pub(super) const PLANTED_DOCUMENTS_TABLE: &str = "planted_documents";
pub(super) const TOPIC_TERMS_TABLE: &str = "planted_topic_terms";

const POSTS_PER_SCALE: u64 = 20_000;
const USERS_PER_SCALE: u64 = 2_000;
const DOCUMENTS_PER_SCALE: u64 = 3_000;
const CHUNK: u64 = 20_000;
/// 2025-06-01T00:00:00Z in seconds.
const START: i64 = 1_748_736_000;
const PERIOD_SECONDS: i64 = 48 * 3600;
/// The planted Globex outage: 2025-06-02 06:00 to 08:00 UTC.
pub(super) const INCIDENT: (i64, i64) = (START + 30 * 3600, START + 32 * 3600);
/// Share of the posts that are incident posts (all inside the incident window).
const INCIDENT_POSTS_PER_MILLE: u64 = 50;

const BRANDS: [(&str, f64); 8] = [
    // (brand, share of its posts that are positive; negative takes most of the rest)
    ("Acme", 0.70),
    ("Globex", 0.25),
    ("Initech", 0.45),
    ("Umbrella", 0.40),
    ("Hooli", 0.55),
    ("Vandelay", 0.50),
    ("Soylent", 0.35),
    ("Wonka", 0.65),
];
const PRODUCTS: [&str; 12] = [
    "phone",
    "laptop",
    "tablet",
    "smartwatch",
    "camera",
    "router",
    "earbuds",
    "console",
    "drone",
    "speaker",
    "keyboard",
    "monitor",
];
const CAMPAIGNS: [&str; 6] = [
    "SummerSale",
    "BackToSchool",
    "PrimeDays",
    "ShopLocal",
    "GreenWeek",
    "FlashDeal",
];
const PLATFORMS: [&str; 5] = ["twitter", "facebook", "instagram", "reddit", "tiktok"];
const LOCATIONS: [&str; 8] = [
    "New York", "London", "Berlin", "Toronto", "Sydney", "Paris", "Madrid", "Chicago",
];
const POSITIVE_TAGS: [&str; 4] = ["#love", "#happy", "#blessed", "#winning"];
const NEGATIVE_TAGS: [&str; 4] = ["#fail", "#neveragain", "#disappointed", "#scam"];
const NEUTRAL_TAGS: [&str; 3] = ["#tech", "#news", "#unboxing"];

const POSITIVE_PREDICATES: [&str; 12] = [
    "is great",
    "is absolutely amazing",
    "works perfectly",
    "made my day",
    "is the best",
    "is really good",
    "is SO good",
    "exceeded my expectations",
    "is not bad at all",
    "is pretty nice",
    "is wonderful",
    "is a fantastic deal",
];
const NEGATIVE_PREDICATES: [&str; 12] = [
    "is terrible",
    "is awful",
    "is the worst",
    "is really disappointing",
    "is not good",
    "is NOT worth the money",
    "is horrible",
    "keeps failing",
    "was a total waste",
    "is kind of useless",
    "is broken and nobody cares",
    "is extremely frustrating",
];
const NEUTRAL_PREDICATES: [&str; 24] = [
    "arrived on Tuesday",
    "is on my desk",
    "comes in three sizes",
    "was delivered on Monday",
    "is in stores now",
    "has a new look",
    "is coming in June",
    "was with me on Friday",
    "is in the drawer",
    "is by the window",
    "came yesterday",
    "was mentioned by my sister",
    "is made in Portugal",
    "weighs about a kilo",
    "was bought in April",
    "is listed online",
    "has a serial number",
    "was ordered twice",
    "is described on page four",
    "was set up on Sunday",
    "is black",
    "changed last month",
    "is used daily",
    "was checked by my neighbour",
];
const POSITIVE_ENDINGS: [&str; 7] = [".", "!", "!!!", " :)", " :D", " 😀", " ❤️"];
const NEGATIVE_ENDINGS: [&str; 6] = [".", "!", "!!!", "???", " :(", " 😡"];
const NEUTRAL_ENDINGS: [&str; 2] = [".", ""];
const POSITIVE_STANDALONE: [&str; 5] = [
    "I love it.",
    "Highly recommend!",
    "Thank you so much!",
    "Best purchase this year.",
    "Really happy with it :)",
];
const NEGATIVE_STANDALONE: [&str; 5] = [
    "I hate it.",
    "Never again!",
    "Very disappointed :(",
    "What a waste of money.",
    "Not happy at all.",
];

/// The planted topics: name and 20 words no other topic uses, none of them in VADER's
/// lexicon (so topics do not move sentiment).
pub(super) const TOPICS: [(&str, [&str; 20]); 10] = [
    (
        "billing",
        [
            "invoice",
            "payment",
            "charge",
            "refund",
            "billing",
            "account",
            "wallet",
            "card",
            "fee",
            "statement",
            "balance",
            "subscription",
            "receipt",
            "transaction",
            "overcharge",
            "renewal",
            "price",
            "discount",
            "coupon",
            "bank",
        ],
    ),
    (
        "shipping",
        [
            "delivery",
            "package",
            "shipping",
            "courier",
            "tracking",
            "parcel",
            "warehouse",
            "carrier",
            "shipment",
            "address",
            "doorstep",
            "dispatch",
            "transit",
            "postage",
            "label",
            "pickup",
            "freight",
            "box",
            "route",
            "arrival",
        ],
    ),
    (
        "battery",
        [
            "battery",
            "charger",
            "charging",
            "power",
            "cable",
            "adapter",
            "voltage",
            "drain",
            "hours",
            "overnight",
            "usb",
            "plug",
            "outlet",
            "capacity",
            "recharge",
            "lithium",
            "percent",
            "socket",
            "watt",
            "standby",
        ],
    ),
    (
        "screen",
        [
            "screen",
            "display",
            "pixel",
            "sharpness",
            "resolution",
            "touchscreen",
            "glare",
            "scratch",
            "glass",
            "contrast",
            "color",
            "panel",
            "backlight",
            "refresh",
            "viewing",
            "bezel",
            "oled",
            "crack",
            "protector",
            "hdr",
        ],
    ),
    (
        "software",
        [
            "app",
            "update",
            "software",
            "bug",
            "reboot",
            "login",
            "password",
            "install",
            "version",
            "feature",
            "settings",
            "sync",
            "download",
            "menu",
            "interface",
            "notification",
            "browser",
            "server",
            "firmware",
            "patch",
        ],
    ),
    (
        "customer service",
        [
            "agent",
            "helpdesk",
            "service",
            "representative",
            "call",
            "chat",
            "email",
            "ticket",
            "manager",
            "hold",
            "response",
            "inquiry",
            "callback",
            "helpline",
            "operator",
            "escalation",
            "staff",
            "queue",
            "transcript",
            "followup",
        ],
    ),
    (
        "food",
        [
            "meal",
            "pizza",
            "burger",
            "chef",
            "waiter",
            "dinner",
            "lunch",
            "dessert",
            "kitchen",
            "recipe",
            "flavor",
            "sauce",
            "salad",
            "steak",
            "table",
            "reservation",
            "portion",
            "breakfast",
            "coffee",
            "wine",
        ],
    ),
    (
        "travel",
        [
            "hotel",
            "flight",
            "room",
            "airport",
            "luggage",
            "booking",
            "resort",
            "beach",
            "pool",
            "checkin",
            "suitcase",
            "passport",
            "airline",
            "seat",
            "vacation",
            "concierge",
            "tour",
            "cruise",
            "train",
            "taxi",
        ],
    ),
    (
        "audio",
        [
            "headphones",
            "speaker",
            "sound",
            "bass",
            "volume",
            "microphone",
            "earbuds",
            "noise",
            "audio",
            "bluetooth",
            "music",
            "playlist",
            "treble",
            "stereo",
            "headset",
            "podcast",
            "amplifier",
            "vinyl",
            "radio",
            "equalizer",
        ],
    ),
    (
        "fitness",
        [
            "workout",
            "gym",
            "treadmill",
            "yoga",
            "running",
            "shoes",
            "weights",
            "trainer",
            "exercise",
            "cardio",
            "muscles",
            "protein",
            "stretching",
            "marathon",
            "cycling",
            "calories",
            "pilates",
            "sneakers",
            "kettlebell",
            "mat",
        ],
    ),
];

/// Document categories: name, topics it draws from, (positive, negative) shares.
const CATEGORIES: [(&str, &[usize], (f64, f64)); 4] = [
    ("product_review", &[2, 3, 4, 8, 9], (0.65, 0.20)),
    ("support_ticket", &[0, 1, 4, 5], (0.15, 0.65)),
    ("travel_review", &[6, 7], (0.50, 0.30)),
    (
        "survey_response",
        &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        (0.20, 0.15),
    ),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

impl Sentiment {
    fn name(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
        }
    }

    fn draw(rng: &mut impl Rng, positive: f64, negative: f64) -> Self {
        let u = rng.random::<f64>();
        if u < positive {
            Sentiment::Positive
        } else if u < positive + negative {
            Sentiment::Negative
        } else {
            Sentiment::Neutral
        }
    }
}

fn pick<'a>(rng: &mut impl Rng, items: &'a [&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

/// "really " / "kind of " etc. before a predicate sometimes.
fn intensify(rng: &mut impl Rng, predicate: &str) -> String {
    let Some(rest) = predicate.strip_prefix("is ") else {
        return predicate.to_string();
    };
    // Only plain adjectives take an intensifier ("is really great", not "is really the
    // worst").
    if rest.contains(' ') || rest.chars().any(|c| c.is_ascii_uppercase()) {
        return predicate.to_string();
    }
    match rng.random_range(0..6) {
        0 => format!("is really {rest}"),
        1 => format!("is extremely {rest}"),
        _ => predicate.to_string(),
    }
}

/// One sentence about `subject` with the given sentiment.
fn sentence(rng: &mut impl Rng, subject: &str, sentiment: Sentiment) -> String {
    match sentiment {
        Sentiment::Positive => {
            let p = pick(rng, &POSITIVE_PREDICATES);
            let p = intensify(rng, p);
            format!("{subject} {p}{}", pick(rng, &POSITIVE_ENDINGS))
        }
        Sentiment::Negative => {
            if rng.random_range(0..5) == 0 {
                // A "but" clause: VADER weighs the part after "but" more.
                let p = pick(rng, &NEGATIVE_PREDICATES);
                return format!(
                    "{subject} looked okay but it {p}{}",
                    pick(rng, &NEGATIVE_ENDINGS)
                );
            }
            let p = pick(rng, &NEGATIVE_PREDICATES);
            let p = intensify(rng, p);
            format!("{subject} {p}{}", pick(rng, &NEGATIVE_ENDINGS))
        }
        Sentiment::Neutral => format!(
            "{subject} {}{}",
            pick(rng, &NEUTRAL_PREDICATES),
            pick(rng, &NEUTRAL_ENDINGS)
        ),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

struct Post {
    id: u64,
    platform: &'static str,
    user: u64,
    text: String,
    timestamp: i64,
    location: Option<&'static str>,
    followers: i32,
    hashtags: Vec<String>,
    sentiment: Sentiment,
    brand: Option<&'static str>,
    incident: bool,
}

/// A user's follower count: log-normal, median about 400.
fn followers(seed: u64, user: u64) -> i32 {
    let mut rng = sub_rng(seed, tag::TEXT_USER, user);
    let log = 6.0 + 2.2 * gaussian(&mut rng);
    log.exp().clamp(0.0, 50_000_000.0) as i32
}

fn brand_mention(rng: &mut impl Rng, brand: &str) -> String {
    match rng.random_range(0..6) {
        0 => brand.to_uppercase(),
        1 => brand.to_lowercase(),
        2 => format!("{brand}'s"),
        _ => brand.to_string(),
    }
}

fn post(seed: u64, scale: u32, index: u64) -> Post {
    let mut rng = sub_rng(seed, tag::TEXT_POST, index);
    let n = POSTS_PER_SCALE * u64::from(scale);
    let users = USERS_PER_SCALE * u64::from(scale);
    let user = rng.random_range(1..=users);
    let platform = pick(&mut rng, &PLATFORMS);
    let location = (rng.random_range(0..10) > 0).then(|| pick(&mut rng, &LOCATIONS));
    let incident = index % 1000 < INCIDENT_POSTS_PER_MILLE;
    let timestamp = if incident {
        INCIDENT.0 + rng.random_range(0..INCIDENT.1 - INCIDENT.0)
    } else {
        START + ((index as i64) * PERIOD_SECONDS) / n as i64 + rng.random_range(0..60)
    };
    let mut hashtags: Vec<String> = Vec::new();
    let (text, sentiment, brand) = if incident {
        let product = pick(&mut rng, &PRODUCTS);
        let text = format!(
            "{} {product} {} {}",
            brand_mention(&mut rng, "Globex"),
            pick(
                &mut rng,
                &["is down again", "keeps failing", "is not working"]
            ),
            pick(&mut rng, &["!!!", "😡", ":(", "???"]),
        );
        hashtags.push("#GlobexOutage".to_string());
        hashtags.push(pick(&mut rng, &NEGATIVE_TAGS).to_string());
        (text, Sentiment::Negative, Some("Globex"))
    } else {
        let (brand, positive) = if rng.random_range(0..10) < 7 {
            let (b, p) = BRANDS[rng.random_range(0..BRANDS.len())];
            (Some(b), p)
        } else {
            (None, 0.45)
        };
        let sentiment = Sentiment::draw(&mut rng, positive, (1.0 - positive) * 0.75);
        let product = pick(&mut rng, &PRODUCTS);
        let subject = match brand {
            Some(b) => format!("{} {product}", brand_mention(&mut rng, b)),
            None => format!("My new {product}"),
        };
        let mut text = capitalise(&sentence(&mut rng, &subject, sentiment));
        match sentiment {
            Sentiment::Positive if rng.random_range(0..3) == 0 => {
                text = format!("{text} {}", pick(&mut rng, &POSITIVE_STANDALONE));
            }
            Sentiment::Negative if rng.random_range(0..3) == 0 => {
                text = format!("{text} {}", pick(&mut rng, &NEGATIVE_STANDALONE));
            }
            _ => {}
        }
        if rng.random_range(0..4) == 0 {
            let campaign = pick(&mut rng, &CAMPAIGNS);
            text = format!("{text} Saw it in the {campaign} ad");
            hashtags.push(format!("#{campaign}"));
        }
        let mood_tags: &[&str] = match sentiment {
            Sentiment::Positive => &POSITIVE_TAGS,
            Sentiment::Negative => &NEGATIVE_TAGS,
            Sentiment::Neutral => &NEUTRAL_TAGS,
        };
        if rng.random_range(0..10) < 7 {
            hashtags.push(pick(&mut rng, mood_tags).to_string());
        }
        if rng.random_range(0..5) == 0 {
            hashtags.push(pick(&mut rng, &NEUTRAL_TAGS).to_string());
        }
        (text, sentiment, brand)
    };
    hashtags.dedup();
    let text = if hashtags.is_empty() {
        text
    } else {
        format!("{text} {}", hashtags.join(" "))
    };
    Post {
        id: index + 1,
        platform,
        user,
        text,
        timestamp,
        location,
        followers: followers(seed, user),
        hashtags,
        sentiment,
        brand,
        incident,
    }
}

struct Document {
    id: u64,
    category: &'static str,
    text: String,
    topic: usize,
    sentiment: Sentiment,
}

/// A noun phrase of topic words: "the invoice", "my refund and the fee".
fn topic_phrase(rng: &mut impl Rng, words: &[&str; 20]) -> String {
    let first = rng.random_range(0..words.len());
    if rng.random_range(0..2) == 0 {
        let second = (first + rng.random_range(1..words.len())) % words.len();
        format!("the {} and the {}", words[first], words[second])
    } else {
        format!(
            "{} {}",
            pick(rng, &["the", "my", "our", "this"]),
            words[first]
        )
    }
}

fn document(seed: u64, index: u64) -> Document {
    let mut rng = sub_rng(seed, tag::TEXT_DOCUMENT, index);
    let (category, topics, (positive, negative)) =
        CATEGORIES[rng.random_range(0..CATEGORIES.len())];
    let topic = topics[rng.random_range(0..topics.len())];
    let sentiment = Sentiment::draw(&mut rng, positive, negative);
    let words = &TOPICS[topic].1;
    let sentences = rng.random_range(3..=4);
    // Two sentences carry the sentiment; the others are neutral facts about the topic.
    let mut parts: Vec<String> = Vec::with_capacity(sentences + 1);
    for s in 0..sentences {
        let subject = topic_phrase(&mut rng, words);
        let mood = if s < 2 { sentiment } else { Sentiment::Neutral };
        let mut text = capitalise(&sentence(&mut rng, &subject, mood));
        if !text.ends_with(['.', '!', '?', ')', '(']) && !text.ends_with(|c: char| !c.is_ascii()) {
            text.push('.');
        }
        parts.push(text);
    }
    // Topic-heavy notes, as customers list what they write about.
    for _ in 0..2 {
        let picks: Vec<&str> = words.choose_multiple(&mut rng, 4).copied().collect();
        parts.push(format!(
            "{}, {}, {} and {}.",
            capitalise(picks[0]),
            picks[1],
            picks[2],
            picks[3]
        ));
    }
    match sentiment {
        Sentiment::Positive if rng.random_range(0..2) == 0 => {
            parts.push(pick(&mut rng, &POSITIVE_STANDALONE).to_string())
        }
        Sentiment::Negative if rng.random_range(0..2) == 0 => {
            parts.push(pick(&mut rng, &NEGATIVE_STANDALONE).to_string())
        }
        _ => {}
    }
    // Shuffle the neutral sentences in among the others.
    let rotate = rng.random_range(0..parts.len());
    parts.rotate_left(rotate);
    Document {
        id: index + 1,
        category,
        text: parts.join(" "),
        topic,
        sentiment,
    }
}

fn keyword_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(
        "keyword",
        DataType::Utf8,
        false,
    )]))
}

fn keyword_batch(keywords: &[&str]) -> Result<RecordBatch, ArrowError> {
    let mut b = StringBuilder::new();
    for k in keywords {
        b.append_value(k);
    }
    RecordBatch::try_new(keyword_schema(), vec![Arc::new(b.finish())])
}

fn hashtag_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn posts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("post_id", DataType::Utf8, false),
        Field::new("platform", DataType::Utf8, false),
        Field::new("user_id", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("timestamp", utc_micros(), false),
        Field::new("location", DataType::Utf8, true),
        Field::new("followers_count", DataType::Int32, false),
        Field::new("hashtags", hashtag_list_type(), true),
    ]))
}

fn planted_posts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("post_id", DataType::Utf8, false),
        Field::new("planted_sentiment", DataType::Utf8, false),
        Field::new("brand", DataType::Utf8, true),
        Field::new("incident", DataType::Boolean, false),
    ]))
}

fn post_id(id: u64) -> String {
    format!("post{id:08}")
}

fn posts_batch(posts: &[Post]) -> Result<RecordBatch, ArrowError> {
    let n = posts.len();
    let mut id = StringBuilder::with_capacity(n, n * 12);
    let mut platform = StringBuilder::with_capacity(n, n * 8);
    let mut user = StringBuilder::with_capacity(n, n * 7);
    let mut text = StringBuilder::with_capacity(n, n * 80);
    let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut location = StringBuilder::with_capacity(n, n * 8);
    let mut followers = Int32Builder::with_capacity(n);
    let mut hashtags = ListBuilder::new(StringBuilder::new())
        .with_field(Arc::new(Field::new_list_field(DataType::Utf8, true)));
    for p in posts {
        id.append_value(post_id(p.id));
        platform.append_value(p.platform);
        user.append_value(format!("u{:06}", p.user));
        text.append_value(&p.text);
        ts.append_value(p.timestamp * 1_000_000);
        location.append_option(p.location);
        followers.append_value(p.followers);
        for tag in &p.hashtags {
            hashtags.values().append_value(tag);
        }
        hashtags.append(true);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(platform.finish()),
        Arc::new(user.finish()),
        Arc::new(text.finish()),
        Arc::new(ts.finish()),
        Arc::new(location.finish()),
        Arc::new(followers.finish()),
        Arc::new(hashtags.finish()),
    ];
    RecordBatch::try_new(posts_schema(), columns)
}

fn planted_posts_batch(posts: &[Post]) -> Result<RecordBatch, ArrowError> {
    let n = posts.len();
    let mut id = StringBuilder::with_capacity(n, n * 12);
    let mut sentiment = StringBuilder::with_capacity(n, n * 8);
    let mut brand = StringBuilder::with_capacity(n, n * 8);
    let mut incident = BooleanBuilder::with_capacity(n);
    for p in posts {
        id.append_value(post_id(p.id));
        sentiment.append_value(p.sentiment.name());
        brand.append_option(p.brand);
        incident.append_value(p.incident);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(sentiment.finish()),
        Arc::new(brand.finish()),
        Arc::new(incident.finish()),
    ];
    RecordBatch::try_new(planted_posts_schema(), columns)
}

fn documents_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("document_id", DataType::Int32, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
    ]))
}

fn planted_documents_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("document_id", DataType::Int32, false),
        Field::new("planted_topic", DataType::Int32, false),
        Field::new("topic_name", DataType::Utf8, false),
        Field::new("planted_sentiment", DataType::Utf8, false),
    ]))
}

fn documents_batch(docs: &[Document]) -> Result<RecordBatch, ArrowError> {
    let n = docs.len();
    let mut id = Int32Builder::with_capacity(n);
    let mut category = StringBuilder::with_capacity(n, n * 14);
    let mut text = StringBuilder::with_capacity(n, n * 200);
    for d in docs {
        id.append_value(d.id as i32);
        category.append_value(d.category);
        text.append_value(&d.text);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(category.finish()),
        Arc::new(text.finish()),
    ];
    RecordBatch::try_new(documents_schema(), columns)
}

fn planted_documents_batch(docs: &[Document]) -> Result<RecordBatch, ArrowError> {
    let n = docs.len();
    let mut id = Int32Builder::with_capacity(n);
    let mut topic = Int32Builder::with_capacity(n);
    let mut name = StringBuilder::with_capacity(n, n * 10);
    let mut sentiment = StringBuilder::with_capacity(n, n * 8);
    for d in docs {
        id.append_value(d.id as i32);
        topic.append_value(d.topic as i32);
        name.append_value(TOPICS[d.topic].0);
        sentiment.append_value(d.sentiment.name());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(topic.finish()),
        Arc::new(name.finish()),
        Arc::new(sentiment.finish()),
    ];
    RecordBatch::try_new(planted_documents_schema(), columns)
}

fn topic_terms_batch() -> Result<(SchemaRef, RecordBatch), ArrowError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("topic", DataType::Int32, false),
        Field::new("topic_name", DataType::Utf8, false),
        Field::new("term", DataType::Utf8, false),
    ]));
    let mut topic = Int32Builder::new();
    let mut name = StringBuilder::new();
    let mut term = StringBuilder::new();
    for (t, (topic_name, words)) in TOPICS.iter().enumerate() {
        for w in words {
            topic.append_value(t as i32);
            name.append_value(topic_name);
            term.append_value(w);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(topic.finish()),
        Arc::new(name.finish()),
        Arc::new(term.finish()),
    ];
    Ok((Arc::clone(&schema), RecordBatch::try_new(schema, columns)?))
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_text(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    let mut written = Vec::new();
    let brands: Vec<&str> = BRANDS.iter().map(|(b, _)| *b).collect();
    let campaigns: Vec<&str> = CAMPAIGNS.to_vec();
    for (name, keywords) in [
        ("brand_keywords", brands.as_slice()),
        ("product_keywords", PRODUCTS.as_slice()),
        ("campaign_keywords", campaigns.as_slice()),
    ] {
        written.push(
            write_named_batch(
                name,
                root,
                keyword_schema(),
                keyword_batch(keywords)?,
                progress,
            )
            .await?,
        );
    }

    let n_posts = POSTS_PER_SCALE * u64::from(scale);
    for (name, schema, planted) in [
        (POSTS_TABLE, posts_schema(), false),
        (PLANTED_POSTS_TABLE, planted_posts_schema(), true),
    ] {
        let factory = move || -> BatchIter {
            Box::new(id_chunks(n_posts, CHUNK).map(move |(first, last)| {
                let posts: Vec<Post> = (first - 1..last).map(|i| post(seed, scale, i)).collect();
                if planted {
                    planted_posts_batch(&posts)
                } else {
                    posts_batch(&posts)
                }
            }))
        };
        let rows = write_delta(name, &root.join(name), schema, n_posts, factory, progress).await?;
        written.push((name.to_string(), rows));
    }

    let n_docs = DOCUMENTS_PER_SCALE * u64::from(scale);
    for (name, schema, planted) in [
        (DOCUMENTS_TABLE, documents_schema(), false),
        (PLANTED_DOCUMENTS_TABLE, planted_documents_schema(), true),
    ] {
        let factory = move || -> BatchIter {
            Box::new(id_chunks(n_docs, CHUNK).map(move |(first, last)| {
                let docs: Vec<Document> = (first - 1..last).map(|i| document(seed, i)).collect();
                if planted {
                    planted_documents_batch(&docs)
                } else {
                    documents_batch(&docs)
                }
            }))
        };
        let rows = write_delta(name, &root.join(name), schema, n_docs, factory, progress).await?;
        written.push((name.to_string(), rows));
    }

    let (schema, batch) = topic_terms_batch()?;
    written.push(write_named_batch(TOPIC_TERMS_TABLE, root, schema, batch, progress).await?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn topics_have_distinct_words() {
        let mut seen = HashSet::new();
        for (_, words) in TOPICS {
            for w in words {
                assert!(seen.insert(w), "{w} is in two topics");
            }
        }
        assert_eq!(seen.len(), 200);
    }

    #[test]
    fn posts_are_deterministic_and_planted() {
        let a = post(7, 1, 123);
        let b = post(7, 1, 123);
        assert_eq!(a.text, b.text);
        assert_eq!(a.timestamp, b.timestamp);
        let incident: Vec<Post> = (0..1000)
            .map(|i| post(7, 1, i))
            .filter(|p| p.incident)
            .collect();
        assert_eq!(incident.len() as u64, INCIDENT_POSTS_PER_MILLE);
        for p in &incident {
            assert!((INCIDENT.0..INCIDENT.1).contains(&p.timestamp));
            assert_eq!(p.sentiment, Sentiment::Negative);
            assert!(p.text.to_lowercase().contains("globex"));
        }
    }

    #[test]
    fn documents_use_their_topic_words() {
        for i in 0..200 {
            let d = document(3, i);
            let words = &TOPICS[d.topic].1;
            let lower = d.text.to_lowercase();
            assert!(words.iter().any(|w| lower.contains(w)), "{}", d.text);
        }
    }
}
