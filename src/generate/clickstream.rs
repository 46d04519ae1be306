//! Website clickstream for seed scenario 10 (Website User Behavior Analysis).
//!
//! Tables, in generation order:
//!
//! * `web_products` (product_id, product_name, category_id, category_name, price): 400
//!   products (`p0001`...) in 12 categories (`c01`...), whatever the scale.
//! * `web_users` (user_id, signup_date, age, country): `4500 × scale` users
//!   (`u000001`...).
//! * `web_events` (event_id, session_id, user_id, timestamp, page_url, referrer_url,
//!   action, product_id, category_id, time_spent, device_type, browser, location): the
//!   seed's clickstream columns plus `event_id`, the position of the event in the file
//!   (its arrival order, like a Kafka offset). About 22k sessions (`s0000001`..., numbered
//!   by start time) and 315k events at scale 1, over the week 2025-03-03 .. 2025-03-09 UTC
//!   with a daily traffic cycle. Actions: `page_view` (home, category, account, help),
//!   `search`, `view_product`, `add_to_cart` (on the product's page), `view_cart`,
//!   `checkout` and `purchase` (one event per product in the cart, with its product_id).
//!   Within a session, events follow each other in strictly increasing time (every page
//!   is shown at least one second, `time_spent`), referrer_url is the previous page
//!   (the first page has an external referrer or NULL for direct visits).
//! * `planted_web_sessions` (session_id, user_id, planted_segment, planted_stage,
//!   events, untimed_events, late_events): the ground truth, one row per session.
//!
//! # Planted structure
//!
//! * **User segments** (`planted_segment`, per user, repeated on each of their sessions):
//!   `bouncer` (35 %: 2–5 sessions of one or two short pages), `browser` (40 %: long
//!   sessions of 14–30 pages, about a minute per page, products rarely added to the
//!   cart), `cart_abandoner` (15 %: sessions of 10–18 pages, about 40 s per page,
//!   products often added to the cart, checkout rarely completed) and `buyer` (10 %:
//!   short sessions of 4–8 quick pages that usually end in a purchase). Per-session
//!   rates (events per session, time on page, cart and conversion rates per product
//!   view) separate the four, so k-means on them recovers the segments.
//! * **Funnel** (`planted_stage`): the furthest step the session reached *in order*:
//!   `none` (no product viewed), `product_view`, `add_to_cart`, `cart_view`,
//!   `checkout`, `purchase`. Of the sessions that view a product about 30 % add one to
//!   the cart, 26 % view the cart afterwards, 15 % check out and 11 % purchase. Some
//!   cart-abandoner and buyer sessions start on the cart page (a reminder e-mail about a
//!   cart left earlier): that `view_cart` comes before any product view, so it does not
//!   count as the funnel's cart view.
//! * **Bad input**: about 0.2 % of events have a NULL `timestamp` (`untimed_events`
//!   per session; the planted stage is what the session did, the NULLs hide some of
//!   it), about 1 % arrive late — written up to a few hundred events after their
//!   place in time order; `late_events` counts the events of a session written after an
//!   event of the same session with a later timestamp (NULL timestamps ignored). A few
//!   product views (0.5 % of those not added to a cart) are of discontinued products
//!   (`p9001`... ) that `web_products` does not list.
//!
//! Users draw from `tag::WEB_USER`, sessions from `tag::WEB_SESSION` (one stream per
//! user and session number), the late-arrival shuffle from `tag::WEB_ARRIVAL` (one
//! stream per file chunk of [`SESSIONS_PER_BATCH`] sessions), products from
//! `tag::WEB_PRODUCT`, so output depends only on `(scale, seed)`. Events are generated
//! and written chunk by chunk.

use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::seq::SliceRandom;
use rand::Rng;

use super::delta_writer::{write_delta, write_named_batch, BatchIter};
use super::{cdf, gaussian, sample_cdf, sub_rng, tag, utc_micros, GenerateError};

pub(super) const PRODUCTS_TABLE: &str = "web_products";
pub(super) const USERS_TABLE: &str = "web_users";
pub(super) const EVENTS_TABLE: &str = "web_events";
pub(super) const PLANTED_TABLE: &str = "planted_web_sessions";

const USERS_PER_SCALE: u32 = 4500;
const PRODUCTS: usize = 400;
const DISCONTINUED: u32 = 20;
/// Sessions per generated `web_events` batch (about 45k events).
pub(super) const SESSIONS_PER_BATCH: usize = 3000;
/// 2025-03-03T00:00:00Z (a Monday), in seconds since the epoch.
const START_SECS: i64 = 1_740_960_000;
/// 2025-03-03 in days since the epoch.
const START_DAYS: i32 = 20_150;
const DAYS: u64 = 7;
/// Probability that an event's timestamp is missing.
const NULL_TIMESTAMP: f64 = 0.002;
/// Probability that an event arrives late, and by how many file positions.
const LATE: f64 = 0.01;
const LATE_BY: RangeInclusive<usize> = 20..=400;
/// Share of product views not added to a cart that show a discontinued product.
const DISCONTINUED_VIEW: f64 = 0.005;

/// Relative traffic per UTC hour of the day.
const HOURLY_TRAFFIC: [f64; 24] = [
    1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0, 3.2, 3.0, 2.9, 2.9, 3.0, 3.2, 3.6,
    4.0, 4.2, 3.8, 2.8, 1.8,
];

/// Category name, product nouns (separated by `|`), price range.
const CATEGORIES: [(&str, &str, f64, f64); 12] = [
    (
        "Electronics",
        "Headphones|Speaker|Charger|Monitor",
        25.0,
        400.0,
    ),
    ("Books", "Novel|Cookbook|Biography|Atlas", 8.0, 45.0),
    (
        "Home & Kitchen",
        "Kettle|Pan|Knife Set|Blender",
        15.0,
        180.0,
    ),
    ("Clothing", "T-Shirt|Jacket|Jeans|Sweater", 12.0, 150.0),
    (
        "Sports",
        "Yoga Mat|Dumbbell|Running Shoe|Bottle",
        10.0,
        160.0,
    ),
    ("Beauty", "Serum|Shampoo|Lipstick|Cream", 6.0, 80.0),
    ("Toys", "Puzzle|Robot Kit|Plush|Board Game", 9.0, 90.0),
    ("Garden", "Hose|Planter|Shears|Seed Pack", 5.0, 120.0),
    ("Office", "Notebook|Desk Lamp|Pen Set|Chair", 4.0, 250.0),
    ("Pet Supplies", "Leash|Pet Bed|Cat Tree|Bowl", 7.0, 130.0),
    ("Grocery", "Coffee|Tea|Olive Oil|Chocolate", 3.0, 30.0),
    (
        "Automotive",
        "Dash Cam|Car Vacuum|Wiper|Jump Starter",
        15.0,
        200.0,
    ),
];
const ADJECTIVES: [&str; 10] = [
    "Classic",
    "Pro",
    "Eco",
    "Compact",
    "Deluxe",
    "Smart",
    "Essential",
    "Premium",
    "Urban",
    "Travel",
];
const CITIES: [(&str, &str, f64); 10] = [
    ("New York", "US", 4.0),
    ("Chicago", "US", 2.0),
    ("Austin", "US", 1.5),
    ("Toronto", "CA", 1.5),
    ("London", "GB", 2.5),
    ("Berlin", "DE", 2.0),
    ("Paris", "FR", 1.5),
    ("Madrid", "ES", 1.0),
    ("Sydney", "AU", 1.0),
    ("Tokyo", "JP", 1.0),
];
const DEVICES: [(&str, f64); 3] = [("desktop", 0.45), ("mobile", 0.45), ("tablet", 0.10)];
const BROWSERS: [(&str, f64); 4] = [
    ("Chrome", 0.6),
    ("Safari", 0.25),
    ("Firefox", 0.08),
    ("Edge", 0.07),
];
/// External referrer of a session's first page (None: direct visit).
const REFERRERS: [(Option<&str>, f64); 5] = [
    (Some("https://www.google.com/"), 0.45),
    (Some("https://www.bing.com/"), 0.05),
    (Some("https://www.facebook.com/"), 0.10),
    (Some("https://newsletter.example.com/"), 0.10),
    (None, 0.30),
];
const CART_REMINDER: &str = "https://mail.example.com/";

/// Funnel stages in order; index 0 is "no product viewed".
pub(super) const STAGES: [&str; 6] = [
    "none",
    "product_view",
    "add_to_cart",
    "cart_view",
    "checkout",
    "purchase",
];

/// Behaviour of a planted user segment.
struct Segment {
    name: &'static str,
    share: f64,
    sessions: RangeInclusive<u32>,
    /// Pages browsed before the funnel tail (home, category, search, product...).
    pages: RangeInclusive<u32>,
    /// Probability that a browsed page is a product page.
    product_page: f64,
    /// Median seconds on a browsed page.
    dwell: f64,
    /// Probability of each funnel step given the previous one.
    add: f64,
    cart: f64,
    checkout: f64,
    purchase: f64,
    /// Probability that a session starts on the cart page (a cart left earlier).
    carried_cart: f64,
}

const SEGMENTS: [Segment; 4] = [
    Segment {
        name: "bouncer",
        share: 0.35,
        sessions: 2..=5,
        pages: 1..=2,
        product_page: 0.4,
        dwell: 7.0,
        add: 0.0,
        cart: 0.0,
        checkout: 0.0,
        purchase: 0.0,
        carried_cart: 0.0,
    },
    Segment {
        name: "browser",
        share: 0.40,
        sessions: 3..=8,
        pages: 14..=30,
        product_page: 0.55,
        dwell: 60.0,
        add: 0.06,
        cart: 0.6,
        checkout: 0.2,
        purchase: 0.5,
        carried_cart: 0.0,
    },
    Segment {
        name: "cart_abandoner",
        share: 0.15,
        sessions: 3..=8,
        pages: 10..=18,
        product_page: 0.6,
        dwell: 40.0,
        add: 0.75,
        cart: 0.85,
        checkout: 0.35,
        purchase: 0.08,
        carried_cart: 0.12,
    },
    Segment {
        name: "buyer",
        share: 0.10,
        sessions: 4..=8,
        pages: 4..=8,
        product_page: 0.6,
        dwell: 12.0,
        add: 0.9,
        cart: 0.97,
        checkout: 0.9,
        purchase: 0.95,
        carried_cart: 0.08,
    },
];

// ---------------------------------------------------------------------------------------
// Products and users
// ---------------------------------------------------------------------------------------

struct Product {
    name: String,
    category: usize,
    price: f64,
}

fn product_id(index: usize) -> String {
    format!("p{:04}", index + 1)
}

fn category_id(category: usize) -> String {
    format!("c{:02}", category + 1)
}

fn products(seed: u64) -> Vec<Product> {
    (0..PRODUCTS)
        .map(|i| {
            let mut rng = sub_rng(seed, tag::WEB_PRODUCT, i as u64);
            let category = i % CATEGORIES.len();
            let (_, nouns, lo, hi) = CATEGORIES[category];
            let nouns: Vec<&str> = nouns.split('|').collect();
            let noun = nouns[rng.random_range(0..nouns.len())];
            let adjective = ADJECTIVES[rng.random_range(0..ADJECTIVES.len())];
            // Log-uniform price within the category's range, rounded to .99.
            let price = (lo * (hi / lo).powf(rng.random::<f64>())).floor() + 0.99;
            Product {
                name: format!("{adjective} {noun} {}", i + 1),
                category,
                price,
            }
        })
        .collect()
}

struct User {
    segment: usize,
    sessions: u32,
    signup_days: i32,
    age: i32,
    city: usize,
    device: usize,
    browser: usize,
}

fn user_id(index: u32) -> String {
    format!("u{:06}", index + 1)
}

fn weights<T>(table: &[(T, f64)]) -> Vec<f64> {
    cdf(&table.iter().map(|(_, w)| *w).collect::<Vec<_>>())
}

fn user(seed: u64, index: u32) -> User {
    let mut rng = sub_rng(seed, tag::WEB_USER, u64::from(index));
    let shares = cdf(&SEGMENTS.iter().map(|s| s.share).collect::<Vec<_>>());
    let segment = sample_cdf(&mut rng, &shares);
    let sessions = rng.random_range(SEGMENTS[segment].sessions.clone());
    let city_w = cdf(&CITIES.iter().map(|c| c.2).collect::<Vec<_>>());
    User {
        segment,
        sessions,
        signup_days: START_DAYS - rng.random_range(2..1200),
        age: rng.random_range(18..76),
        city: sample_cdf(&mut rng, &city_w),
        device: sample_cdf(&mut rng, &weights(&DEVICES)),
        browser: sample_cdf(&mut rng, &weights(&BROWSERS)),
    }
}

/// Start (UTC microseconds) of each session of `user`, drawn from its own stream.
fn session_starts(seed: u64, index: u32, user: &User) -> Vec<i64> {
    let mut rng = sub_rng(seed, tag::WEB_USER, (1 << 40) | u64::from(index));
    let hours = cdf(&HOURLY_TRAFFIC);
    (0..user.sessions)
        .map(|_| {
            let day = rng.random_range(0..DAYS) as i64;
            let hour = sample_cdf(&mut rng, &hours) as i64;
            let ms = rng.random_range(0..3_600_000i64);
            ((START_SECS + day * 86_400 + hour * 3600) * 1000 + ms) * 1000
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Sessions and events
// ---------------------------------------------------------------------------------------

/// The clickstream model: catalogue, users and the time-ordered session plan.
struct Model {
    seed: u64,
    products: Vec<Product>,
    /// Popularity CDF over all products and over the products of each category.
    popularity: Vec<f64>,
    by_category: Vec<(Vec<usize>, Vec<f64>)>,
    users: Vec<User>,
    /// (start, user, session number of the user), sorted by start: session `i` is
    /// `s{i+1:07}`.
    plan: Vec<(i64, u32, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
struct Event {
    /// Index of the session in the plan.
    session: usize,
    /// Event time; the file may hold NULL instead (`untimed`).
    micros: i64,
    untimed: bool,
    page_url: String,
    action: &'static str,
    product: Option<String>,
    category: Option<usize>,
    time_spent: i32,
}

/// One session's summary for the ground truth.
#[derive(Debug, Clone, PartialEq)]
struct SessionTruth {
    session: usize,
    stage: usize,
    events: u64,
    untimed: u64,
    late: u64,
}

/// A page of the browsing part of a session, before timestamps are assigned.
struct Page {
    url: String,
    action: &'static str,
    product: Option<String>,
    category: Option<usize>,
    /// Index in `Model::products` of a product page that can be added to a cart.
    cartable: Option<usize>,
}

impl Model {
    fn new(seed: u64, scale: u32) -> Result<Model, GenerateError> {
        let n_users = scale
            .checked_mul(USERS_PER_SCALE)
            .ok_or(GenerateError::ScaleTooLarge(scale))?;
        let products = products(seed);
        // Zipf-like popularity by product index (shuffled so it is not tied to category).
        let mut rank: Vec<usize> = (0..PRODUCTS).collect();
        rank.shuffle(&mut sub_rng(seed, tag::WEB_PRODUCT, u64::MAX));
        let mut weight = vec![0.0; PRODUCTS];
        for (r, &p) in rank.iter().enumerate() {
            weight[p] = 1.0 / (r as f64 + 10.0);
        }
        let by_category = (0..CATEGORIES.len())
            .map(|c| {
                let members: Vec<usize> = (0..PRODUCTS)
                    .filter(|&p| products[p].category == c)
                    .collect();
                let w: Vec<f64> = members.iter().map(|&p| weight[p]).collect();
                (members, cdf(&w))
            })
            .collect();
        let users: Vec<User> = (0..n_users).map(|u| user(seed, u)).collect();
        let mut plan = Vec::new();
        for (u, usr) in users.iter().enumerate() {
            for (k, start) in session_starts(seed, u as u32, usr).into_iter().enumerate() {
                plan.push((start, u as u32, k as u32));
            }
        }
        plan.sort_unstable();
        Ok(Model {
            seed,
            products,
            popularity: cdf(&weight),
            by_category,
            users,
            plan,
        })
    }

    fn session_id(index: usize) -> String {
        format!("s{:07}", index + 1)
    }

    fn chunks(&self) -> usize {
        self.plan.len().div_ceil(SESSIONS_PER_BATCH)
    }

    /// A browsed page; product pages follow the previous category page when there is one.
    fn page(&self, rng: &mut impl Rng, seg: &Segment, previous: Option<usize>) -> Page {
        if rng.random_bool(seg.product_page) {
            let p = match previous {
                Some(c) if rng.random_bool(0.7) => {
                    let (members, w) = &self.by_category[c];
                    members[sample_cdf(rng, w)]
                }
                _ => sample_cdf(rng, &self.popularity),
            };
            return Page {
                url: format!("/product/{}", product_id(p)),
                action: "view_product",
                product: Some(product_id(p)),
                category: Some(self.products[p].category),
                cartable: Some(p),
            };
        }
        let kind = rng.random_range(0..100);
        let (url, action, category) = if kind < 25 {
            ("/".to_string(), "page_view", None)
        } else if kind < 70 {
            let c = rng.random_range(0..CATEGORIES.len());
            (
                format!("/category/{}", category_id(c)),
                "page_view",
                Some(c),
            )
        } else if kind < 95 {
            ("/search".to_string(), "search", None)
        } else if kind < 98 {
            ("/account".to_string(), "page_view", None)
        } else {
            ("/help".to_string(), "page_view", None)
        };
        Page {
            url,
            action,
            product: None,
            category,
            cartable: None,
        }
    }

    /// Events of session `index` in time order, its planted stage and first referrer.
    fn session(&self, index: usize) -> (Vec<Event>, usize, Option<&'static str>) {
        let (start, u, k) = self.plan[index];
        let usr = &self.users[u as usize];
        let seg = &SEGMENTS[usr.segment];
        let mut rng = sub_rng(
            self.seed,
            tag::WEB_SESSION,
            (u64::from(u) << 8) | u64::from(k),
        );

        // Browsing part.
        let n_pages = rng.random_range(seg.pages.clone());
        let mut pages: Vec<Page> = Vec::new();
        let mut last_category = None;
        for _ in 0..n_pages {
            let page = self.page(&mut rng, seg, last_category);
            last_category = if page.action == "page_view" {
                page.category
            } else {
                None
            };
            pages.push(page);
        }
        let viewed: Vec<usize> = (0..pages.len())
            .filter(|&i| pages[i].cartable.is_some())
            .collect();

        // Furthest funnel stage, step by step.
        let mut stage = usize::from(!viewed.is_empty());
        for p in [seg.add, seg.cart, seg.checkout, seg.purchase] {
            if stage == 0 || !rng.random_bool(p) {
                break;
            }
            stage += 1;
        }

        // Products added to the cart: 1–3 of the product pages viewed.
        let mut added: Vec<usize> = Vec::new();
        if stage >= 2 {
            let mut pool = viewed.clone();
            pool.shuffle(&mut rng);
            let mut m = 1;
            while m < 3 && m < pool.len() && rng.random_bool(0.35) {
                m += 1;
            }
            added = pool[..m].to_vec();
            added.sort_unstable();
        }
        // Views that are not carted may show a discontinued product.
        for &i in &viewed {
            if !added.contains(&i) && rng.random_bool(DISCONTINUED_VIEW) {
                let id = format!("p{}", 9001 + rng.random_range(0..DISCONTINUED));
                let page = &mut pages[i];
                page.url = format!("/product/{id}");
                page.product = Some(id);
                page.category = Some(rng.random_range(0..CATEGORIES.len()));
                page.cartable = None;
            }
        }

        // Sequence of (url, action, product, category, seconds on page).
        type Step = (String, &'static str, Option<String>, Option<usize>, i32);
        let dwell = |rng: &mut rand_chacha::ChaCha8Rng, median: f64| -> i32 {
            let g: f64 = gaussian(rng);
            (median * (0.45 * g).exp()).round().clamp(1.0, 900.0) as i32
        };
        let mut steps: Vec<Step> = Vec::new();
        let carried = rng.random_bool(seg.carried_cart);
        let referrer = if carried {
            Some(CART_REMINDER)
        } else {
            REFERRERS[sample_cdf(&mut rng, &weights(&REFERRERS))].0
        };
        if carried {
            steps.push((
                "/cart".into(),
                "view_cart",
                None,
                None,
                rng.random_range(5..=30),
            ));
        }
        let mut cart: Vec<usize> = Vec::new();
        for (i, page) in pages.into_iter().enumerate() {
            let seconds = dwell(&mut rng, seg.dwell);
            let cartable = page.cartable;
            steps.push((page.url, page.action, page.product, page.category, seconds));
            // Added to the cart on the product's page, right after viewing it.
            if let Some(p) = cartable.filter(|_| added.contains(&i)) {
                steps.push((
                    format!("/product/{}", product_id(p)),
                    "add_to_cart",
                    Some(product_id(p)),
                    Some(self.products[p].category),
                    rng.random_range(2..=8),
                ));
                cart.push(p);
            }
        }
        if stage >= 3 {
            steps.push((
                "/cart".into(),
                "view_cart",
                None,
                None,
                rng.random_range(10..=45),
            ));
        }
        if stage >= 4 {
            steps.push((
                "/checkout".into(),
                "checkout",
                None,
                None,
                rng.random_range(30..=150),
            ));
        }
        if stage >= 5 {
            for &p in &cart {
                steps.push((
                    "/checkout/confirmation".into(),
                    "purchase",
                    Some(product_id(p)),
                    Some(self.products[p].category),
                    rng.random_range(3..=12),
                ));
            }
            if rng.random_bool(0.3) {
                steps.push((
                    "/account".into(),
                    "page_view",
                    None,
                    None,
                    dwell(&mut rng, 20.0),
                ));
            }
        } else if stage >= 2 && rng.random_bool(0.4) {
            // Abandoned carts: a few more category pages, then gone.
            for _ in 0..rng.random_range(1..=3) {
                let c = rng.random_range(0..CATEGORIES.len());
                steps.push((
                    format!("/category/{}", category_id(c)),
                    "page_view",
                    None,
                    Some(c),
                    dwell(&mut rng, seg.dwell),
                ));
            }
        }

        // Timestamps: each page follows the previous one after its time on page plus up
        // to two seconds of navigation.
        let mut micros = start;
        let mut events = Vec::with_capacity(steps.len());
        for (url, action, product, category, time_spent) in steps {
            events.push(Event {
                session: index,
                micros,
                untimed: rng.random_bool(NULL_TIMESTAMP),
                page_url: url,
                action,
                product,
                category,
                time_spent,
            });
            micros += (i64::from(time_spent) * 1000 + rng.random_range(0..2000)) * 1000;
        }
        (events, stage, referrer)
    }

    /// Sessions `[first, last)` of chunk `c`.
    fn chunk_range(&self, c: usize) -> (usize, usize) {
        let first = c * SESSIONS_PER_BATCH;
        (first, (first + SESSIONS_PER_BATCH).min(self.plan.len()))
    }

    /// Events of chunk `c` in file (arrival) order, with each event's referrer, and the
    /// ground truth of its sessions.
    fn chunk(&self, c: usize) -> (Vec<(Event, Option<String>)>, Vec<SessionTruth>) {
        let (first, last) = self.chunk_range(c);
        let mut events: Vec<(Event, Option<String>)> = Vec::new();
        let mut truth = Vec::with_capacity(last - first);
        for s in first..last {
            let (evs, stage, external) = self.session(s);
            truth.push(SessionTruth {
                session: s,
                stage,
                events: evs.len() as u64,
                untimed: evs.iter().filter(|e| e.untimed).count() as u64,
                late: 0,
            });
            let mut referrer = external.map(str::to_string);
            for e in evs {
                let next = Some(e.page_url.clone());
                events.push((e, referrer));
                referrer = next;
            }
        }
        // Time order, then some events arrive late (moved later in the file).
        events.sort_by_key(|(e, _)| (e.micros, e.session));
        let mut rng = sub_rng(self.seed, tag::WEB_ARRIVAL, c as u64);
        let mut keyed: Vec<(usize, usize, (Event, Option<String>))> = events
            .into_iter()
            .enumerate()
            .map(|(pos, e)| {
                let delay = if rng.random_bool(LATE) {
                    rng.random_range(LATE_BY)
                } else {
                    0
                };
                (pos + delay, pos, e)
            })
            .collect();
        keyed.sort_by_key(|(key, pos, _)| (*key, *pos));
        let events: Vec<(Event, Option<String>)> = keyed.into_iter().map(|(_, _, e)| e).collect();

        // Late events per session: written after a (timed) event of the same session
        // with a later timestamp.
        let mut latest: Vec<Option<i64>> = vec![None; last - first];
        for (e, _) in &events {
            if e.untimed {
                continue;
            }
            let slot = &mut latest[e.session - first];
            match *slot {
                Some(t) if t > e.micros => truth[e.session - first].late += 1,
                Some(t) if t >= e.micros => {}
                _ => *slot = Some(e.micros),
            }
        }
        (events, truth)
    }
}

// ---------------------------------------------------------------------------------------
// Record batches
// ---------------------------------------------------------------------------------------

fn products_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Utf8, true),
        Field::new("product_name", DataType::Utf8, true),
        Field::new("category_id", DataType::Utf8, true),
        Field::new("category_name", DataType::Utf8, true),
        Field::new("price", DataType::Float64, true),
    ]))
}

fn products_batch(model: &Model) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut name = StringBuilder::new();
    let mut cat = StringBuilder::new();
    let mut cat_name = StringBuilder::new();
    let mut price = Float64Builder::new();
    for (i, p) in model.products.iter().enumerate() {
        id.append_value(product_id(i));
        name.append_value(&p.name);
        cat.append_value(category_id(p.category));
        cat_name.append_value(CATEGORIES[p.category].0);
        price.append_value(p.price);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(name.finish()),
        Arc::new(cat.finish()),
        Arc::new(cat_name.finish()),
        Arc::new(price.finish()),
    ];
    RecordBatch::try_new(products_schema(), columns)
}

fn users_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("user_id", DataType::Utf8, true),
        Field::new("signup_date", DataType::Date32, true),
        Field::new("age", DataType::Int32, true),
        Field::new("country", DataType::Utf8, true),
    ]))
}

fn users_batch(model: &Model) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut signup = Date32Builder::new();
    let mut age = Int32Builder::new();
    let mut country = StringBuilder::new();
    for (i, u) in model.users.iter().enumerate() {
        id.append_value(user_id(i as u32));
        signup.append_value(u.signup_days);
        age.append_value(u.age);
        country.append_value(CITIES[u.city].1);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(signup.finish()),
        Arc::new(age.finish()),
        Arc::new(country.finish()),
    ];
    RecordBatch::try_new(users_schema(), columns)
}

fn events_schema() -> SchemaRef {
    let s = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Int64, true),
        s("session_id"),
        s("user_id"),
        Field::new("timestamp", utc_micros(), true),
        s("page_url"),
        s("referrer_url"),
        s("action"),
        s("product_id"),
        s("category_id"),
        Field::new("time_spent", DataType::Int32, true),
        s("device_type"),
        s("browser"),
        s("location"),
    ]))
}

/// The session's device and browser: the user's usual ones 85 % of the time.
fn session_device(model: &Model, session: usize) -> (usize, usize) {
    let (_, u, k) = model.plan[session];
    let usr = &model.users[u as usize];
    let mut rng = sub_rng(
        model.seed,
        tag::WEB_SESSION,
        (1 << 48) | (u64::from(u) << 8) | u64::from(k),
    );
    if rng.random_bool(0.85) {
        (usr.device, usr.browser)
    } else {
        (
            sample_cdf(&mut rng, &weights(&DEVICES)),
            sample_cdf(&mut rng, &weights(&BROWSERS)),
        )
    }
}

fn events_batch(
    model: &Model,
    events: &[(Event, Option<String>)],
    first_event_id: i64,
) -> Result<RecordBatch, ArrowError> {
    let n = events.len();
    let mut event_id = Int64Builder::with_capacity(n);
    let mut session = StringBuilder::with_capacity(n, n * 8);
    let mut user = StringBuilder::with_capacity(n, n * 7);
    let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut page = StringBuilder::with_capacity(n, n * 14);
    let mut referrer = StringBuilder::with_capacity(n, n * 14);
    let mut action = StringBuilder::with_capacity(n, n * 10);
    let mut product = StringBuilder::with_capacity(n, n * 5);
    let mut category = StringBuilder::with_capacity(n, n * 3);
    let mut time_spent = Int32Builder::with_capacity(n);
    let mut device = StringBuilder::with_capacity(n, n * 7);
    let mut browser = StringBuilder::with_capacity(n, n * 7);
    let mut location = StringBuilder::with_capacity(n, n * 12);
    let mut devices: std::collections::HashMap<usize, (usize, usize)> =
        std::collections::HashMap::new();
    for (i, (e, r)) in events.iter().enumerate() {
        let (_, u, _) = model.plan[e.session];
        let usr = &model.users[u as usize];
        let (d, b) = *devices
            .entry(e.session)
            .or_insert_with(|| session_device(model, e.session));
        event_id.append_value(first_event_id + i as i64);
        session.append_value(Model::session_id(e.session));
        user.append_value(user_id(u));
        if e.untimed {
            ts.append_null();
        } else {
            ts.append_value(e.micros);
        }
        page.append_value(&e.page_url);
        referrer.append_option(r.as_deref());
        action.append_value(e.action);
        product.append_option(e.product.as_deref());
        category.append_option(e.category.map(category_id));
        time_spent.append_value(e.time_spent);
        device.append_value(DEVICES[d].0);
        browser.append_value(BROWSERS[b].0);
        let (city, country, _) = CITIES[usr.city];
        location.append_value(format!("{city}, {country}"));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(event_id.finish()),
        Arc::new(session.finish()),
        Arc::new(user.finish()),
        Arc::new(ts.finish()),
        Arc::new(page.finish()),
        Arc::new(referrer.finish()),
        Arc::new(action.finish()),
        Arc::new(product.finish()),
        Arc::new(category.finish()),
        Arc::new(time_spent.finish()),
        Arc::new(device.finish()),
        Arc::new(browser.finish()),
        Arc::new(location.finish()),
    ];
    RecordBatch::try_new(events_schema(), columns)
}

fn planted_schema() -> SchemaRef {
    let s = |name: &str| Field::new(name, DataType::Utf8, true);
    let n = |name: &str| Field::new(name, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        s("session_id"),
        s("user_id"),
        s("planted_segment"),
        s("planted_stage"),
        n("events"),
        n("untimed_events"),
        n("late_events"),
    ]))
}

fn planted_batch(model: &Model, truth: &[SessionTruth]) -> Result<RecordBatch, ArrowError> {
    let mut session = StringBuilder::new();
    let mut user = StringBuilder::new();
    let mut segment = StringBuilder::new();
    let mut stage = StringBuilder::new();
    let mut counts: [Int64Builder; 3] = Default::default();
    for t in truth {
        let (_, u, _) = model.plan[t.session];
        session.append_value(Model::session_id(t.session));
        user.append_value(user_id(u));
        segment.append_value(SEGMENTS[model.users[u as usize].segment].name);
        stage.append_value(STAGES[t.stage]);
        for (b, v) in counts.iter_mut().zip([t.events, t.untimed, t.late]) {
            b.append_value(v as i64);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(session.finish()),
        Arc::new(user.finish()),
        Arc::new(segment.finish()),
        Arc::new(stage.finish()),
    ];
    columns.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    RecordBatch::try_new(planted_schema(), columns)
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_clickstream(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    progress("preparing clickstream model (products, users, session plan)");
    let model = Arc::new(Model::new(seed, scale)?);
    let mut written = vec![
        write_named_batch(
            PRODUCTS_TABLE,
            root,
            products_schema(),
            products_batch(&model)?,
            progress,
        )
        .await?,
        write_named_batch(
            USERS_TABLE,
            root,
            users_schema(),
            users_batch(&model)?,
            progress,
        )
        .await?,
    ];

    // Events chunk by chunk; event ids continue across chunks (file positions).
    let expected = model.plan.len() as u64 * 15;
    let m = Arc::clone(&model);
    let factory = move || -> BatchIter {
        let m = Arc::clone(&m);
        let mut next_id: i64 = 1;
        Box::new((0..m.chunks()).map(move |c| {
            let (events, _) = m.chunk(c);
            let batch = events_batch(&m, &events, next_id);
            next_id += events.len() as i64;
            batch
        }))
    };
    let rows = write_delta(
        EVENTS_TABLE,
        &root.join(EVENTS_TABLE),
        events_schema(),
        expected,
        factory,
        progress,
    )
    .await?;
    written.push((EVENTS_TABLE.to_string(), rows));

    // The ground truth regenerates each chunk rather than keeping it in memory.
    let m = Arc::clone(&model);
    let factory = move || -> BatchIter {
        let m = Arc::clone(&m);
        Box::new((0..m.chunks()).map(move |c| planted_batch(&m, &m.chunk(c).1)))
    };
    let rows = write_delta(
        PLANTED_TABLE,
        &root.join(PLANTED_TABLE),
        planted_schema(),
        model.plan.len() as u64,
        factory,
        progress,
    )
    .await?;
    written.push((PLANTED_TABLE.to_string(), rows));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::new(7, 1).unwrap()
    }

    #[test]
    fn sessions_are_deterministic_and_time_ordered() {
        let m = model();
        assert_eq!(m.session(5), m.session(5));
        assert!(m.plan.windows(2).all(|w| w[0] <= w[1]));
        for s in (0..m.plan.len()).step_by(97) {
            let (events, stage, _) = m.session(s);
            assert!(!events.is_empty());
            assert!(events.windows(2).all(|w| w[0].micros < w[1].micros));
            assert!(events.iter().all(|e| e.time_spent >= 1));
            let has = |a: &str| events.iter().any(|e| e.action == a);
            assert_eq!(stage >= 1, has("view_product"), "session {s}");
            assert_eq!(stage >= 2, has("add_to_cart"), "session {s}");
            assert_eq!(stage >= 4, has("checkout"), "session {s}");
            assert_eq!(stage >= 5, has("purchase"), "session {s}");
        }
    }

    /// Funnel drop-off and the size of the data set at scale 1.
    #[test]
    fn funnel_drop_off_is_realistic() {
        let m = model();
        let mut reached = [0u64; 6];
        let mut events = 0u64;
        for s in 0..m.plan.len() {
            let (evs, stage, _) = m.session(s);
            events += evs.len() as u64;
            for r in reached.iter_mut().take(stage + 1) {
                *r += 1;
            }
        }
        let sessions = m.plan.len() as u64;
        assert!((18_000..23_000).contains(&sessions), "{sessions}");
        assert!((260_000..360_000).contains(&events), "{events}");
        let rate = |k: usize| reached[k] as f64 / reached[1] as f64;
        assert!((0.25..0.38).contains(&rate(2)), "cart {}", rate(2));
        assert!((0.2..0.32).contains(&rate(3)), "cart view {}", rate(3));
        assert!((0.1..0.19).contains(&rate(4)), "checkout {}", rate(4));
        assert!((0.06..0.14).contains(&rate(5)), "purchase {}", rate(5));
    }

    #[test]
    fn chunks_hold_every_event_once_with_some_late() {
        let m = model();
        let (events, truth) = m.chunk(1);
        let total: u64 = truth.iter().map(|t| t.events).sum();
        assert_eq!(events.len() as u64, total);
        let late: u64 = truth.iter().map(|t| t.late).sum();
        let untimed: u64 = truth.iter().map(|t| t.untimed).sum();
        assert!(late > 0 && late < total / 20, "{late} of {total}");
        assert!(untimed > 0 && untimed < total / 100, "{untimed} of {total}");
        // Referrers chain the pages of a session.
        let (first, _) = m.chunk_range(1);
        let mine: Vec<&(Event, Option<String>)> =
            events.iter().filter(|(e, _)| e.session == first).collect();
        let mut sorted = mine.clone();
        sorted.sort_by_key(|(e, _)| e.micros);
        for w in sorted.windows(2) {
            assert_eq!(w[1].1.as_deref(), Some(w[0].0.page_url.as_str()));
        }
    }
}
