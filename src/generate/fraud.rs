//! Card transactions with planted fraud, for seed scenario 2 (Real-time Fraud
//! Detection).
//!
//! `2,000 × scale` customers (`C000001`...) each have a home city, 0–2 other cities they
//! shop in now and then, a spending level, a transaction rate (0.1–4 a day, 0.72 on
//! average) and preferred categories. History covers the 35 days before
//! 2025-09-01T00:00:00Z, the "stream" the 14 days from then (≈50k and ≈20k transactions
//! at scale 1). Tables, in generation order:
//!
//! * `fraud_customers` (customer_id, home_location, signup_date). About 1.5 % of the
//!   customers are new: they signed up in the first days of the stream and have no
//!   history.
//! * `fraud_historical_transactions` (transaction_id, customer_id, merchant, category,
//!   amount, timestamp, location): the seed's schema, no fraud. 85 % of a customer's
//!   purchases are in the home city, the rest in its other cities or (1 %) on a trip;
//!   amounts are log-normal around a per-category base times the spending level, and
//!   0.4 % are 4–8 times that.
//! * `fraud_stream/part-NNNNN.json`: the seed's Kafka payloads as JSON lines
//!   (`{"transaction_id","customer_id","merchant","category","amount","timestamp",
//!   "location"}`), one file per block of 250 customers (a Kafka partition keyed by
//!   customer), lines in arrival order: 1.5 % of the events arrive 2–90 minutes late, so
//!   event times are not sorted. Legitimate behaviour follows the history (97 % of
//!   purchases in a category the customer's history has), 0.4 % of purchases are
//!   legitimately large (the historical mean plus 2–8 standard deviations), and:
//!   `60 × scale` travellers spend 2–4 days in a city they have never used (with
//!   hotel-sized travel purchases), `12 × scale` customers go on a shopping spree (4–6
//!   purchases within 10–50 minutes), so a detector that flags every unseen city, every
//!   large amount or every busy hour has false positives (log-normal amounts alone put
//!   about 1.5 % of legitimate purchases 4 standard deviations above the mean).
//! * `planted_fraud` (transaction_id, customer_id, kind, timestamp, amount, location):
//!   the ground truth, about 1.5 % of the stream, each kind on its own victims (customers
//!   with at least 5 historical transactions):
//!   - `burst` (`20 × scale` victims): 5–10 online purchases within 10–45 minutes in the
//!     home city, the first two card tests of 1–10 (every burst fits in one 1-hour window
//!     aligned to 15 minutes);
//!   - `outsized_amount` (`80 × scale`): one electronics or jewelry purchase of the
//!     customer's historical mean plus 5–15 historical standard deviations;
//!   - `unusual_location` (`80 × scale`): one purchase in a city the customer never used
//!     (from a list no legitimate customer visits) of the mean plus 2.5–6 standard
//!     deviations.
//! * `planted_fraud_stream_defects` (file, line, kind, transaction_id): the stream lines a
//!   reader must not score: 2–4 malformed lines per file (`truncated_json`,
//!   `non_numeric_amount`, `bad_timestamp`, `not_an_object`; transaction_id NULL) and 1–3
//!   well-formed payloads per file with `"amount":null` (`null_amount`) and 1–3 with
//!   `"timestamp":null` (`null_timestamp`).
//!
//! Transaction ids are 16 hex digits from a bijective hash of (customer, sequence), so
//! they are unique and carry no time order. Amounts have two decimals. Every customer is
//! generated from its own ChaCha8 streams (`super::tag::FRAUD_*`), so the output depends
//! only on `(scale, seed)`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::seq::SliceRandom;
use rand::Rng;

use super::delta_writer::{write_batch, write_delta, BatchIter};
use super::{
    cdf, fmt_count, gaussian, id_chunks, mix64, poisson, sample_cdf, sub_rng, tag, utc_micros,
    GenerateError,
};

/// The directory of JSON-lines stream files.
pub(super) const STREAM_DIR: &str = "fraud_stream";

const CUSTOMERS_PER_SCALE: u64 = 2_000;
/// 2025-09-01T00:00:00Z, the start of the stream, in seconds since the epoch.
const STREAM_START_SECS: i64 = 1_756_684_800;
const DAY_SECS: i64 = 86_400;
const HISTORY_DAYS: i64 = 35;
const STREAM_DAYS: i64 = 14;
/// Mean purchases per customer and day.
const MEAN_DAILY_RATE: f64 = 0.72;
const NEW_CUSTOMER_SHARE: f64 = 0.015;
/// Customers per stream file (Kafka partition).
const CUSTOMERS_PER_FILE: u64 = 250;
/// Customers per generated history batch.
const CUSTOMERS_PER_BATCH: u64 = 500;
/// Share of purchases in the home city (the rest: the customer's other cities).
const HOME_SHARE: f64 = 0.85;
/// Share of historical purchases made on a trip (a travel city).
const HISTORY_TRIP_SHARE: f64 = 0.01;
/// Share of legitimate purchases that are large for the customer.
const LARGE_PURCHASE_SHARE: f64 = 0.004;
/// Share of legitimate stream purchases in a category drawn from the customer's history
/// (the rest follow its category preferences, so now and then a category it never used).
const HABIT_SHARE: f64 = 0.97;
/// Share of stream events that arrive late (out of event-time order).
const LATE_SHARE: f64 = 0.015;
/// Victims need this many historical purchases (a z-score needs a history).
const MIN_VICTIM_HISTORY: u64 = 5;

const BURSTS_PER_SCALE: usize = 20;
const OUTSIZED_PER_SCALE: usize = 80;
const UNUSUAL_LOCATION_PER_SCALE: usize = 80;
const SPREES_PER_SCALE: usize = 12;
const TRAVELLERS_PER_SCALE: usize = 60;

/// Standard deviations above the historical mean of planted amounts.
const OUTSIZED_SIGMAS: std::ops::Range<f64> = 5.0..15.0;
const UNUSUAL_LOCATION_SIGMAS: std::ops::Range<f64> = 2.5..6.0;
const LARGE_PURCHASE_SIGMAS: std::ops::Range<f64> = 2.0..8.0;

/// A purchase category: name, base amount, log-normal spread, default preference and
/// merchants.
struct Category {
    name: &'static str,
    base: f64,
    sigma: f64,
    preference: f64,
    merchants: &'static [&'static str],
}

const CATEGORIES: [Category; 12] = [
    Category {
        name: "grocery",
        base: 55.0,
        sigma: 0.45,
        preference: 3.0,
        merchants: &["FreshMart", "GreenGrocer", "Daily Foods", "SaveMore"],
    },
    Category {
        name: "restaurants",
        base: 38.0,
        sigma: 0.5,
        preference: 2.0,
        merchants: &["Bella Cucina", "Taco Town", "Noodle House", "The Grill"],
    },
    Category {
        name: "fuel",
        base: 48.0,
        sigma: 0.3,
        preference: 1.5,
        merchants: &["FuelUp", "RoadStar Gas", "QuickFill"],
    },
    Category {
        name: "online_retail",
        base: 55.0,
        sigma: 0.6,
        preference: 1.5,
        merchants: &["ShopNow", "MegaMart Online", "ClickCart"],
    },
    Category {
        name: "electronics",
        base: 130.0,
        sigma: 0.5,
        preference: 0.25,
        merchants: &["TechWorld", "Gadget Hub", "ElectroCity"],
    },
    Category {
        name: "travel",
        base: 160.0,
        sigma: 0.5,
        preference: 0.15,
        merchants: &["SkyJet Airlines", "StayWell Hotels", "RailWay Tickets"],
    },
    Category {
        name: "entertainment",
        base: 45.0,
        sigma: 0.5,
        preference: 0.8,
        merchants: &["CinemaMax", "LiveTix", "GameZone"],
    },
    Category {
        name: "pharmacy",
        base: 28.0,
        sigma: 0.5,
        preference: 0.8,
        merchants: &["HealthPlus Pharmacy", "CareRx"],
    },
    Category {
        name: "clothing",
        base: 75.0,
        sigma: 0.45,
        preference: 0.7,
        merchants: &["UrbanWear", "Style Avenue", "DenimCo"],
    },
    Category {
        name: "utilities",
        base: 90.0,
        sigma: 0.3,
        preference: 0.3,
        merchants: &["City Power", "AquaServ", "NetLink Broadband"],
    },
    Category {
        name: "digital_goods",
        base: 22.0,
        sigma: 0.6,
        preference: 0.3,
        merchants: &["AppVault", "GiftCard Express", "StreamPlus"],
    },
    Category {
        name: "jewelry",
        base: 140.0,
        sigma: 0.5,
        preference: 0.03,
        merchants: &["Golden Touch", "Diamond Lane"],
    },
];

const GROCERY: usize = 0;
const RESTAURANTS: usize = 1;
const ONLINE_RETAIL: usize = 3;
const ELECTRONICS: usize = 4;
const TRAVEL: usize = 5;
const ENTERTAINMENT: usize = 6;
const CLOTHING: usize = 8;
const DIGITAL_GOODS: usize = 10;
const JEWELRY: usize = 11;

/// Home and regular cities.
const DOMESTIC_CITIES: [&str; 30] = [
    "New York, US",
    "Los Angeles, US",
    "Chicago, US",
    "Houston, US",
    "Phoenix, US",
    "Philadelphia, US",
    "San Antonio, US",
    "San Diego, US",
    "Dallas, US",
    "San Jose, US",
    "Austin, US",
    "Jacksonville, US",
    "Columbus, US",
    "Charlotte, US",
    "Indianapolis, US",
    "San Francisco, US",
    "Seattle, US",
    "Denver, US",
    "Boston, US",
    "Nashville, US",
    "Detroit, US",
    "Portland, US",
    "Las Vegas, US",
    "Memphis, US",
    "Baltimore, US",
    "Milwaukee, US",
    "Atlanta, US",
    "Miami, US",
    "Minneapolis, US",
    "New Orleans, US",
];

/// Where legitimate customers travel (besides other domestic cities).
const TRAVEL_CITIES: [&str; 12] = [
    "London, GB",
    "Paris, FR",
    "Rome, IT",
    "Cancun, MX",
    "Toronto, CA",
    "Tokyo, JP",
    "Barcelona, ES",
    "Honolulu, US",
    "Orlando, US",
    "Amsterdam, NL",
    "Dublin, IE",
    "Vancouver, CA",
];

/// Where planted `unusual_location` fraud happens; no legitimate purchase is made here.
const FRAUD_CITIES: [&str; 10] = [
    "Lagos, NG",
    "Bucharest, RO",
    "Manila, PH",
    "Jakarta, ID",
    "Minsk, BY",
    "Caracas, VE",
    "Karachi, PK",
    "Hanoi, VN",
    "Tbilisi, GE",
    "Dhaka, BD",
];

/// Relative purchase frequency per hour of the day (UTC).
const HOUR_WEIGHTS: [f64; 24] = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 1.8, 2.0, 2.2, 2.6, 2.4, 2.0, 2.0, 2.2, 2.6, 2.8,
    2.6, 2.0, 1.4, 0.8, 0.4,
];

/// What the planted structure makes of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Normal,
    Burst,
    Outsized,
    UnusualLocation,
    Spree,
    Traveller,
}

/// A planted fraud kind (the `planted_fraud.kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FraudKind {
    Burst,
    Outsized,
    UnusualLocation,
}

impl FraudKind {
    fn name(self) -> &'static str {
        match self {
            FraudKind::Burst => "burst",
            FraudKind::Outsized => "outsized_amount",
            FraudKind::UnusualLocation => "unusual_location",
        }
    }
}

#[derive(Debug, Clone)]
struct Customer {
    index: u64,
    id: String,
    home: &'static str,
    regular: Vec<&'static str>,
    spend: f64,
    rate: f64,
    /// Cumulative category preferences.
    categories: Vec<f64>,
    history_count: u64,
    new: bool,
    /// Days since the epoch.
    signup_day: i32,
    role: Role,
}

/// One purchase.
#[derive(Debug, Clone)]
struct Tx {
    id: String,
    micros: i64,
    /// Arrival time in the stream (equal to `micros` in the history).
    arrival: i64,
    category: usize,
    merchant: &'static str,
    amount: f64,
    location: &'static str,
    fraud: Option<FraudKind>,
}

/// Historical amount statistics and cities of a customer.
#[derive(Debug, Clone)]
struct Profile {
    mean: f64,
    /// Sample standard deviation; `None` with fewer than two purchases.
    stddev: Option<f64>,
    locations: BTreeSet<&'static str>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Unique id of a customer's `seq`-th purchase: a bijective hash, so distinct
/// `(history, customer, seq)` never collide.
fn tx_id(seed: u64, history: bool, customer: u64, seq: u64) -> String {
    let key = mix64(seed ^ 0x00F7_A0D0_5EED);
    let x = (u64::from(history) << 63) | (customer << 16) | (seq & 0xFFFF);
    format!("{:016x}", mix64(x ^ key))
}

fn first_stream_day() -> i32 {
    (STREAM_START_SECS / DAY_SECS) as i32
}

impl Customer {
    fn new(seed: u64, index: u64) -> Customer {
        let mut rng = sub_rng(seed, tag::FRAUD_CUSTOMER, index);
        let home_index = rng.random_range(0..DOMESTIC_CITIES.len());
        let regular_count = [0usize, 1, 1, 2][rng.random_range(0..4)];
        let mut others: Vec<usize> = (0..DOMESTIC_CITIES.len())
            .filter(|&c| c != home_index)
            .collect();
        others.shuffle(&mut rng);
        let regular = others[..regular_count]
            .iter()
            .map(|&c| DOMESTIC_CITIES[c])
            .collect();
        let spend = (0.45 * gaussian(&mut rng)).exp();
        let rate = (MEAN_DAILY_RATE * (0.6 * gaussian(&mut rng) - 0.18).exp()).clamp(0.1, 4.0);
        let weights: Vec<f64> = CATEGORIES
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // Everyone buys groceries; any other category is skipped by some.
                if i != GROCERY && rng.random_bool(0.3) {
                    0.0
                } else {
                    c.preference * (0.8 * gaussian(&mut rng)).exp()
                }
            })
            .collect();
        let new = rng.random_bool(NEW_CUSTOMER_SHARE);
        let history_count = if new {
            0
        } else {
            poisson(&mut rng, rate * HISTORY_DAYS as f64)
        };
        let signup_day = if new {
            first_stream_day() + rng.random_range(0..3)
        } else {
            first_stream_day() - HISTORY_DAYS as i32 - rng.random_range(30..3000)
        };
        Customer {
            index,
            id: format!("C{index:06}"),
            home: DOMESTIC_CITIES[home_index],
            regular,
            spend,
            rate,
            categories: cdf(&weights),
            history_count,
            new,
            signup_day,
            role: Role::Normal,
        }
    }

    fn amount(&self, rng: &mut impl Rng, category: usize) -> f64 {
        let c = &CATEGORIES[category];
        round2((c.base * self.spend * (c.sigma * gaussian(rng)).exp()).max(0.5))
    }

    /// Home most of the time, otherwise one of the customer's other cities.
    fn usual_location(&self, rng: &mut impl Rng) -> &'static str {
        if self.regular.is_empty() || rng.random_bool(HOME_SHARE) {
            self.home
        } else {
            self.regular[rng.random_range(0..self.regular.len())]
        }
    }

    /// A purchase of this customer at `micros`.
    fn purchase(&self, rng: &mut impl Rng, micros: i64, location: &'static str) -> Tx {
        let category = sample_cdf(rng, &self.categories);
        self.purchase_in(rng, micros, location, category)
    }

    fn purchase_in(
        &self,
        rng: &mut impl Rng,
        micros: i64,
        location: &'static str,
        category: usize,
    ) -> Tx {
        let merchants = CATEGORIES[category].merchants;
        Tx {
            id: String::new(),
            micros,
            arrival: micros,
            category,
            merchant: merchants[rng.random_range(0..merchants.len())],
            amount: self.amount(rng, category),
            location,
            fraud: None,
        }
    }
}

/// A random time (millisecond precision) on one of `days` days from `first_day`
/// (days since the epoch), following the daily purchase rhythm.
fn random_micros(rng: &mut impl Rng, hours: &[f64], first_day: i64, days: i64) -> i64 {
    let day = first_day + rng.random_range(0..days.max(1));
    let hour = sample_cdf(rng, hours) as i64;
    let ms = rng.random_range(0..3_600_000i64);
    (day * DAY_SECS + hour * 3600) * 1_000_000 + ms * 1000
}

fn customers(seed: u64, scale: u32) -> Vec<Customer> {
    let n = CUSTOMERS_PER_SCALE * u64::from(scale);
    let mut all: Vec<Customer> = (1..=n).map(|i| Customer::new(seed, i)).collect();
    // Roles: disjoint sets of eligible customers, in a seeded random order.
    let mut rng = sub_rng(seed, tag::FRAUD_PLAN, 0);
    let mut eligible: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.new && c.history_count >= MIN_VICTIM_HISTORY)
        .map(|(i, _)| i)
        .collect();
    eligible.shuffle(&mut rng);
    let scale = scale as usize;
    let plan = [
        (Role::Burst, BURSTS_PER_SCALE),
        (Role::Outsized, OUTSIZED_PER_SCALE),
        (Role::UnusualLocation, UNUSUAL_LOCATION_PER_SCALE),
        (Role::Spree, SPREES_PER_SCALE),
        (Role::Traveller, TRAVELLERS_PER_SCALE),
    ];
    let mut order = eligible.into_iter();
    for (role, per_scale) in plan {
        for i in order.by_ref().take(per_scale * scale) {
            all[i].role = role;
        }
    }
    all
}

/// The customer's historical purchases, sorted by time.
fn history(seed: u64, c: &Customer) -> Vec<Tx> {
    let mut rng = sub_rng(seed, tag::FRAUD_HISTORY, c.index);
    let hours = cdf(&HOUR_WEIGHTS);
    let first_day = STREAM_START_SECS / DAY_SECS - HISTORY_DAYS;
    let mut txs: Vec<Tx> = (0..c.history_count)
        .map(|_| {
            let micros = random_micros(&mut rng, &hours, first_day, HISTORY_DAYS);
            let location = if rng.random_bool(HISTORY_TRIP_SHARE) {
                TRAVEL_CITIES[rng.random_range(0..TRAVEL_CITIES.len())]
            } else {
                c.usual_location(&mut rng)
            };
            let mut tx = c.purchase(&mut rng, micros, location);
            if rng.random_bool(LARGE_PURCHASE_SHARE) {
                tx.amount = round2(tx.amount * rng.random_range(4.0..8.0));
            }
            tx
        })
        .collect();
    txs.sort_by_key(|t| t.micros);
    for (seq, t) in txs.iter_mut().enumerate() {
        t.id = tx_id(seed, true, c.index, seq as u64);
    }
    txs
}

fn profile(c: &Customer, history: &[Tx]) -> Profile {
    let n = history.len() as f64;
    let mean = history.iter().map(|t| t.amount).sum::<f64>() / n.max(1.0);
    let stddev = (history.len() >= 2).then(|| {
        let ss: f64 = history.iter().map(|t| (t.amount - mean).powi(2)).sum();
        (ss / (n - 1.0)).sqrt()
    });
    let mut locations: BTreeSet<&'static str> = history.iter().map(|t| t.location).collect();
    locations.insert(c.home);
    Profile {
        mean,
        stddev,
        locations,
    }
}

/// `mean + sigmas × stddev`, or `fallback × multiple` without a spread.
fn above_usual(p: &Profile, sigmas: f64, fallback: f64) -> f64 {
    match p.stddev {
        Some(s) if s > 0.0 => round2(p.mean + sigmas * s),
        _ => round2(fallback * (1.0 + sigmas)),
    }
}

/// The customer's stream purchases (legitimate and planted fraud), sorted by event
/// time, with ids and arrival times.
fn stream(seed: u64, c: &Customer) -> Vec<Tx> {
    let hist = history(seed, c);
    let p = profile(c, &hist);
    let mut rng = sub_rng(seed, tag::FRAUD_STREAM, c.index);
    let hours = cdf(&HOUR_WEIGHTS);
    let first_day = if c.new {
        i64::from(c.signup_day)
    } else {
        STREAM_START_SECS / DAY_SECS
    };
    let end_day = STREAM_START_SECS / DAY_SECS + STREAM_DAYS;
    let days = end_day - first_day;
    let stream_end = end_day * DAY_SECS * 1_000_000;

    // A trip: (first day, days, city), for travellers.
    let trip = (c.role == Role::Traveller).then(|| {
        let length = rng.random_range(2..=4);
        let start = first_day + rng.random_range(0..days - length);
        let candidates: Vec<&'static str> = TRAVEL_CITIES
            .iter()
            .chain(DOMESTIC_CITIES.iter())
            .copied()
            .filter(|city| !p.locations.contains(city))
            .collect();
        let city = candidates[rng.random_range(0..candidates.len())];
        (start, length, city)
    });

    let mut txs = Vec::new();
    let count = poisson(&mut rng, c.rate * days as f64);
    for _ in 0..count {
        let micros = random_micros(&mut rng, &hours, first_day, days);
        let day = micros.div_euclid(DAY_SECS * 1_000_000);
        let mut tx = match trip {
            Some((start, length, city)) if day >= start && day < start + length => {
                // On a trip: hotels, transport and restaurants.
                let category = [TRAVEL, RESTAURANTS, RESTAURANTS, ENTERTAINMENT, GROCERY]
                    [rng.random_range(0..5)];
                c.purchase_in(&mut rng, micros, city, category)
            }
            _ => {
                let location = c.usual_location(&mut rng);
                // Habits hold: most purchases are in a category of the customer's
                // history, a few in any category it buys in.
                match hist.get(rng.random_range(0..hist.len().max(1))) {
                    Some(h) if rng.random_bool(HABIT_SHARE) => {
                        c.purchase_in(&mut rng, micros, location, h.category)
                    }
                    _ => c.purchase(&mut rng, micros, location),
                }
            }
        };
        if rng.random_bool(LARGE_PURCHASE_SHARE) {
            let sigmas = rng.random_range(LARGE_PURCHASE_SIGMAS);
            tx.amount = above_usual(&p, sigmas, tx.amount);
        }
        txs.push(tx);
    }
    if let Some((start, length, city)) = trip {
        // Travellers pay for their stay: 1–2 hotel or flight charges on the trip.
        for _ in 0..rng.random_range(1..=2) {
            let micros = random_micros(&mut rng, &hours, start, length);
            txs.push(c.purchase_in(&mut rng, micros, city, TRAVEL));
        }
    }

    // Several purchases close together: a legitimate spree or a fraud burst.
    let cluster = |rng: &mut rand_chacha::ChaCha8Rng, n: u64, max_span_min: i64| {
        let span = rng.random_range(10..=max_span_min) * 60_000_000;
        let start = random_micros(rng, &hours, first_day, days).min(stream_end - span - 1);
        let mut times: Vec<i64> = (0..n)
            .map(|_| start + rng.random_range(0..=span / 1000) * 1000)
            .collect();
        times.sort_unstable();
        times
    };
    match c.role {
        Role::Spree => {
            let n = rng.random_range(4..=6);
            for micros in cluster(&mut rng, n, 50) {
                let category =
                    [CLOTHING, CLOTHING, RESTAURANTS, ENTERTAINMENT][rng.random_range(0..4)];
                txs.push(c.purchase_in(&mut rng, micros, c.home, category));
            }
        }
        Role::Burst => {
            let n = rng.random_range(5..=10);
            for (k, micros) in cluster(&mut rng, n, 45).into_iter().enumerate() {
                let mut tx = if k < 2 {
                    // Card tests: small digital purchases.
                    let mut t = c.purchase_in(&mut rng, micros, c.home, DIGITAL_GOODS);
                    t.amount = round2(rng.random_range(1.0..10.0));
                    t
                } else {
                    let category =
                        [ONLINE_RETAIL, ELECTRONICS, DIGITAL_GOODS][rng.random_range(0..3)];
                    let mut t = c.purchase_in(&mut rng, micros, c.home, category);
                    t.amount = round2(t.amount * rng.random_range(1.0..3.0));
                    t
                };
                tx.fraud = Some(FraudKind::Burst);
                txs.push(tx);
            }
        }
        Role::Outsized => {
            let micros = random_micros(&mut rng, &hours, first_day, days);
            let category = [ELECTRONICS, JEWELRY][rng.random_range(0..2)];
            let mut tx = c.purchase_in(&mut rng, micros, c.home, category);
            tx.amount = above_usual(&p, rng.random_range(OUTSIZED_SIGMAS), tx.amount);
            tx.fraud = Some(FraudKind::Outsized);
            txs.push(tx);
        }
        Role::UnusualLocation => {
            let micros = random_micros(&mut rng, &hours, first_day, days);
            let city = FRAUD_CITIES[rng.random_range(0..FRAUD_CITIES.len())];
            let category = [ONLINE_RETAIL, ELECTRONICS, JEWELRY, TRAVEL][rng.random_range(0..4)];
            let mut tx = c.purchase_in(&mut rng, micros, city, category);
            tx.amount = above_usual(&p, rng.random_range(UNUSUAL_LOCATION_SIGMAS), tx.amount);
            tx.fraud = Some(FraudKind::UnusualLocation);
            txs.push(tx);
        }
        Role::Normal | Role::Traveller => {}
    }

    txs.sort_by_key(|t| t.micros);
    for (seq, t) in txs.iter_mut().enumerate() {
        t.id = tx_id(seed, false, c.index, seq as u64);
        let delay_ms = if rng.random_bool(LATE_SHARE) {
            rng.random_range(120_000..5_400_000i64)
        } else {
            rng.random_range(50..3_000i64)
        };
        t.arrival = t.micros + delay_ms * 1000;
    }
    txs
}

fn customers_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, true),
        Field::new("home_location", DataType::Utf8, true),
        Field::new("signup_date", DataType::Date32, true),
    ]))
}

fn customers_batch(customers: &[Customer]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut home = StringBuilder::new();
    let mut signup = Date32Builder::new();
    for c in customers {
        id.append_value(&c.id);
        home.append_value(c.home);
        signup.append_value(c.signup_day);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(home.finish()),
        Arc::new(signup.finish()),
    ];
    RecordBatch::try_new(customers_schema(), columns)
}

fn transactions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("transaction_id", DataType::Utf8, true),
        Field::new("customer_id", DataType::Utf8, true),
        Field::new("merchant", DataType::Utf8, true),
        Field::new("category", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("timestamp", utc_micros(), true),
        Field::new("location", DataType::Utf8, true),
    ]))
}

fn history_batch(seed: u64, customers: &[Customer]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut customer = StringBuilder::new();
    let mut merchant = StringBuilder::new();
    let mut category = StringBuilder::new();
    let mut amount = Float64Builder::new();
    let mut ts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut location = StringBuilder::new();
    for c in customers {
        for t in history(seed, c) {
            id.append_value(&t.id);
            customer.append_value(&c.id);
            merchant.append_value(t.merchant);
            category.append_value(CATEGORIES[t.category].name);
            amount.append_value(t.amount);
            ts.append_value(t.micros);
            location.append_value(t.location);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(customer.finish()),
        Arc::new(merchant.finish()),
        Arc::new(category.finish()),
        Arc::new(amount.finish()),
        Arc::new(ts.finish()),
        Arc::new(location.finish()),
    ];
    RecordBatch::try_new(transactions_schema(), columns)
}

/// One planted fraud row.
#[derive(Debug, Clone)]
struct Planted {
    transaction_id: String,
    customer_id: String,
    kind: FraudKind,
    micros: i64,
    amount: f64,
    location: &'static str,
}

/// One planted stream defect.
#[derive(Debug, Clone)]
struct Defect {
    file: String,
    line: i64,
    kind: &'static str,
    transaction_id: Option<String>,
}

const MALFORMED_KINDS: [&str; 4] = [
    "truncated_json",
    "non_numeric_amount",
    "bad_timestamp",
    "not_an_object",
];

fn timestamp_text(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// One payload line; `amount` and `micros` are JSON null when `None`.
fn push_payload(
    buf: &mut String,
    customer: &str,
    t: &Tx,
    amount: Option<f64>,
    micros: Option<i64>,
) {
    let _ = write!(
        buf,
        "{{\"transaction_id\":\"{}\",\"customer_id\":\"{customer}\",\"merchant\":\"{}\",\"category\":\"{}\",\"amount\":",
        t.id, t.merchant, CATEGORIES[t.category].name
    );
    match amount {
        Some(a) => {
            let _ = write!(buf, "{a:.2}");
        }
        None => buf.push_str("null"),
    }
    buf.push_str(",\"timestamp\":");
    match micros {
        Some(m) => {
            let _ = write!(buf, "\"{}\"", timestamp_text(m));
        }
        None => buf.push_str("null"),
    }
    let _ = writeln!(buf, ",\"location\":\"{}\"}}", t.location);
}

/// A defect line to insert before the event at `position` of a file.
struct PlannedDefect {
    position: usize,
    kind: &'static str,
    /// Customer (index into the block) whose purchase the line looks like.
    customer: usize,
}

/// The text of stream file `block` (customers `block_customers`): their events in
/// arrival order with defect lines inserted. Appends the planted fraud and defects.
fn stream_file(
    seed: u64,
    block: u64,
    block_customers: &[Customer],
    file: &str,
    planted: &mut Vec<Planted>,
    defects: &mut Vec<Defect>,
) -> (String, u64) {
    // (event, customer position in the block)
    let mut events: Vec<(Tx, usize)> = Vec::new();
    for (k, c) in block_customers.iter().enumerate() {
        for t in stream(seed, c) {
            if let Some(kind) = t.fraud {
                planted.push(Planted {
                    transaction_id: t.id.clone(),
                    customer_id: c.id.clone(),
                    kind,
                    micros: t.micros,
                    amount: t.amount,
                    location: t.location,
                });
            }
            events.push((t, k));
        }
    }
    events.sort_by(|a, b| (a.0.arrival, &a.0.id).cmp(&(b.0.arrival, &b.0.id)));

    let mut rng = sub_rng(seed, tag::FRAUD_DEFECT, block);
    let mut plan: Vec<PlannedDefect> = Vec::new();
    let mut add = |rng: &mut rand_chacha::ChaCha8Rng, kind: &'static str| {
        plan.push(PlannedDefect {
            position: rng.random_range(0..events.len().max(1)),
            kind,
            customer: rng.random_range(0..block_customers.len().max(1)),
        });
    };
    for _ in 0..rng.random_range(2..=4) {
        let kind = MALFORMED_KINDS[rng.random_range(0..MALFORMED_KINDS.len())];
        add(&mut rng, kind);
    }
    for _ in 0..rng.random_range(1..=3) {
        add(&mut rng, "null_amount");
    }
    for _ in 0..rng.random_range(1..=3) {
        add(&mut rng, "null_timestamp");
    }
    plan.sort_by_key(|d| d.position);

    let good = events.len() as u64;
    let mut text = String::with_capacity(events.len() * 190);
    let mut line = 0i64;
    let mut next = 0usize;
    let mut extra_seq = 0xF000u64;
    for (k, (t, owner)) in events.iter().enumerate() {
        while next < plan.len() && plan[next].position == k {
            let d = &plan[next];
            next += 1;
            let Some(c) = block_customers.get(d.customer) else {
                continue;
            };
            line += 1;
            // The defect line looks like a purchase of this customer around now.
            let mut fake = c.purchase(&mut rng, t.micros, c.home);
            fake.id = tx_id(seed, false, c.index, extra_seq);
            extra_seq += 1;
            let mut transaction_id = None;
            match d.kind {
                "truncated_json" => {
                    let _ = writeln!(
                        text,
                        "{{\"transaction_id\":\"{}\",\"customer_id\":\"{}\",\"merch",
                        fake.id, c.id
                    );
                }
                "non_numeric_amount" => {
                    let mut payload = String::new();
                    push_payload(
                        &mut payload,
                        &c.id,
                        &fake,
                        Some(fake.amount),
                        Some(t.micros),
                    );
                    let number = format!("\"amount\":{:.2}", fake.amount);
                    let quoted = format!("\"amount\":\"{:.2} USD\"", fake.amount);
                    text.push_str(&payload.replacen(&number, &quoted, 1));
                }
                "bad_timestamp" => {
                    let mut payload = String::new();
                    push_payload(
                        &mut payload,
                        &c.id,
                        &fake,
                        Some(fake.amount),
                        Some(t.micros),
                    );
                    let stamp = format!("\"timestamp\":\"{}\"", timestamp_text(t.micros));
                    text.push_str(&payload.replacen(&stamp, "\"timestamp\":\"yesterday\"", 1));
                }
                "not_an_object" => {
                    let _ = writeln!(text, "[\"{}\", \"{}\", {:.2}]", fake.id, c.id, fake.amount);
                }
                "null_amount" => {
                    push_payload(&mut text, &c.id, &fake, None, Some(t.micros));
                    transaction_id = Some(fake.id.clone());
                }
                _ => {
                    push_payload(&mut text, &c.id, &fake, Some(fake.amount), None);
                    transaction_id = Some(fake.id.clone());
                }
            }
            defects.push(Defect {
                file: file.to_string(),
                line,
                kind: d.kind,
                transaction_id,
            });
        }
        let c = &block_customers[*owner];
        push_payload(&mut text, &c.id, t, Some(t.amount), Some(t.micros));
        line += 1;
    }
    (text, good)
}

/// Writes `fraud_stream/` (replacing previous `part-*.json` files); returns the number
/// of lines written (defect lines included), the planted fraud and the defects.
fn write_stream(
    seed: u64,
    customers: &[Customer],
    dir: &Path,
    progress: &dyn Fn(&str),
) -> Result<(u64, Vec<Planted>, Vec<Defect>), GenerateError> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_part = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("part-") && n.ends_with(".json"));
        if is_part && path.is_file() {
            std::fs::remove_file(&path)?;
        }
    }
    let mut planted = Vec::new();
    let mut defects = Vec::new();
    let mut lines = 0u64;
    for (first, last) in id_chunks(customers.len() as u64, CUSTOMERS_PER_FILE) {
        let block = (first - 1) / CUSTOMERS_PER_FILE;
        let name = format!("part-{block:05}.json");
        let before = defects.len();
        let (text, good) = stream_file(
            seed,
            block,
            &customers[(first - 1) as usize..last as usize],
            &name,
            &mut planted,
            &mut defects,
        );
        std::fs::write(dir.join(&name), text)?;
        lines += good + (defects.len() - before) as u64;
    }
    progress(&format!("{STREAM_DIR}: {} lines", fmt_count(lines)));
    Ok((lines, planted, defects))
}

fn planted_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("transaction_id", DataType::Utf8, true),
        Field::new("customer_id", DataType::Utf8, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("timestamp", utc_micros(), true),
        Field::new("amount", DataType::Float64, true),
        Field::new("location", DataType::Utf8, true),
    ]))
}

fn planted_batch(planted: &[Planted]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut customer = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut ts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut amount = Float64Builder::new();
    let mut location = StringBuilder::new();
    for p in planted {
        id.append_value(&p.transaction_id);
        customer.append_value(&p.customer_id);
        kind.append_value(p.kind.name());
        ts.append_value(p.micros);
        amount.append_value(p.amount);
        location.append_value(p.location);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(customer.finish()),
        Arc::new(kind.finish()),
        Arc::new(ts.finish()),
        Arc::new(amount.finish()),
        Arc::new(location.finish()),
    ];
    RecordBatch::try_new(planted_schema(), columns)
}

fn defects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, true),
        Field::new("line", DataType::Int64, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("transaction_id", DataType::Utf8, true),
    ]))
}

fn defects_batch(defects: &[Defect]) -> Result<RecordBatch, ArrowError> {
    let mut file = StringBuilder::new();
    let mut line = Int64Builder::new();
    let mut kind = StringBuilder::new();
    let mut id = StringBuilder::new();
    for d in defects {
        file.append_value(&d.file);
        line.append_value(d.line);
        kind.append_value(d.kind);
        id.append_option(d.transaction_id.as_deref());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(file.finish()),
        Arc::new(line.finish()),
        Arc::new(kind.finish()),
        Arc::new(id.finish()),
    ];
    RecordBatch::try_new(defects_schema(), columns)
}

/// Writes a table whose batches are built per chunk of customers by `batch`.
async fn write_by_customers<B>(
    name: &str,
    root: &Path,
    schema: SchemaRef,
    expected: u64,
    customers: &Arc<Vec<Customer>>,
    batch: B,
    progress: &dyn Fn(&str),
) -> Result<(String, u64), GenerateError>
where
    B: Fn(&[Customer]) -> Result<RecordBatch, ArrowError> + Copy + Send + Sync + 'static,
{
    let all = Arc::clone(customers);
    let factory = move || -> BatchIter {
        let all = Arc::clone(&all);
        Box::new(
            id_chunks(all.len() as u64, CUSTOMERS_PER_BATCH)
                .map(move |(first, last)| batch(&all[(first - 1) as usize..last as usize])),
        )
    };
    let rows = write_delta(name, &root.join(name), schema, expected, factory, progress).await?;
    Ok((name.to_string(), rows))
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_fraud(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    progress("preparing card customers and planted fraud");
    let customers = Arc::new(customers(seed, scale));
    let mut written = Vec::new();
    written.push(
        write_by_customers(
            "fraud_customers",
            root,
            customers_schema(),
            customers.len() as u64,
            &customers,
            customers_batch,
            progress,
        )
        .await?,
    );
    let expected: u64 = customers.iter().map(|c| c.history_count).sum();
    written.push(
        write_by_customers(
            "fraud_historical_transactions",
            root,
            transactions_schema(),
            expected,
            &customers,
            move |c: &[Customer]| history_batch(seed, c),
            progress,
        )
        .await?,
    );
    let (lines, planted, defects) =
        write_stream(seed, &customers, &root.join(STREAM_DIR), progress)?;
    written.push((STREAM_DIR.to_string(), lines));
    for (name, schema, batch) in [
        ("planted_fraud", planted_schema(), planted_batch(&planted)?),
        (
            "planted_fraud_stream_defects",
            defects_schema(),
            defects_batch(&defects)?,
        ),
    ] {
        let rows = write_batch(name, &root.join(name), schema, batch, progress).await?;
        written.push((name.to_string(), rows));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn constants_match_chrono() {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 9, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        assert_eq!(start.timestamp(), STREAM_START_SECS);
    }

    #[test]
    fn volumes_and_roles_match_the_plan() {
        let all = customers(7, 1);
        assert_eq!(all.len(), 2000);
        let history: u64 = all.iter().map(|c| c.history_count).sum();
        assert!((40_000..60_000).contains(&history), "{history}");
        let count = |r: Role| all.iter().filter(|c| c.role == r).count();
        assert_eq!(count(Role::Burst), 20);
        assert_eq!(count(Role::Outsized), 80);
        assert_eq!(count(Role::UnusualLocation), 80);
        assert_eq!(count(Role::Spree), 12);
        assert_eq!(count(Role::Traveller), 60);
        let new = all.iter().filter(|c| c.new).count();
        assert!((10..60).contains(&new), "{new}");
        assert!(all
            .iter()
            .filter(|c| c.role != Role::Normal)
            .all(|c| !c.new && c.history_count >= MIN_VICTIM_HISTORY));
        let events: usize = all.iter().map(|c| stream(7, c).len()).sum();
        assert!((17_000..24_000).contains(&events), "{events}");
    }

    /// Planted amounts are the intended number of historical standard deviations above
    /// the mean, bursts fit in one hour, unusual locations are unseen, and ids are unique.
    #[test]
    fn planted_fraud_has_its_signature() {
        let all = customers(7, 1);
        let mut ids = HashSet::new();
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &all {
            let hist = history(7, c);
            assert_eq!(hist.len() as u64, c.history_count);
            let p = profile(c, &hist);
            let txs = stream(7, c);
            assert!(txs.windows(2).all(|w| w[0].micros <= w[1].micros));
            for t in hist.iter().chain(&txs) {
                assert!(ids.insert(t.id.clone()), "duplicate id {}", t.id);
                assert!(t.amount >= 0.5);
            }
            let fraud: Vec<&Tx> = txs.iter().filter(|t| t.fraud.is_some()).collect();
            for t in &fraud {
                *kinds
                    .entry(t.fraud.map_or("", FraudKind::name))
                    .or_default() += 1;
            }
            let z = |t: &Tx| (t.amount - p.mean) / p.stddev.unwrap_or(f64::NAN);
            match c.role {
                Role::Burst => {
                    assert!((5..=10).contains(&fraud.len()));
                    let span = fraud[fraud.len() - 1].micros - fraud[0].micros;
                    assert!(span <= 45 * 60_000_000, "{span}");
                }
                Role::Outsized => {
                    assert_eq!(fraud.len(), 1);
                    assert!((4.99..15.01).contains(&z(fraud[0])), "{}", z(fraud[0]));
                }
                Role::UnusualLocation => {
                    assert_eq!(fraud.len(), 1);
                    assert!((2.49..6.01).contains(&z(fraud[0])), "{}", z(fraud[0]));
                    assert!(!p.locations.contains(fraud[0].location));
                }
                _ => assert!(fraud.is_empty()),
            }
            for t in txs.iter().filter(|t| t.fraud.is_none()) {
                assert!(!FRAUD_CITIES.contains(&t.location));
            }
        }
        assert_eq!(kinds["outsized_amount"], 80);
        assert_eq!(kinds["unusual_location"], 80);
        assert!((100..=200).contains(&kinds["burst"]), "{kinds:?}");
    }

    #[test]
    fn stream_files_are_deterministic_and_defects_are_where_recorded() {
        let all = customers(7, 1);
        let block = &all[..250];
        let (mut planted, mut defects) = (Vec::new(), Vec::new());
        let (text, good) = stream_file(7, 0, block, "f", &mut planted, &mut defects);
        let (again, _) = stream_file(7, 0, block, "f", &mut Vec::new(), &mut Vec::new());
        assert_eq!(text, again);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() as u64, good + defects.len() as u64);
        let by_line: BTreeMap<i64, &Defect> = defects.iter().map(|d| (d.line, d)).collect();
        let mut late = 0;
        let mut last = String::new();
        for (k, line) in lines.iter().enumerate() {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
            let object = parsed.ok().and_then(|v| v.as_object().cloned());
            let amount = object.as_ref().and_then(|o| o.get("amount").cloned());
            let stamp = object.as_ref().and_then(|o| o.get("timestamp").cloned());
            let kind = match (&object, &amount, &stamp) {
                (None, ..) => "malformed",
                (Some(_), Some(serde_json::Value::String(_)), _) => "malformed",
                (Some(_), _, Some(serde_json::Value::String(s)))
                    if chrono::DateTime::parse_from_rfc3339(s).is_err() =>
                {
                    "malformed"
                }
                (Some(_), Some(serde_json::Value::Null), _) => "null_amount",
                (Some(_), _, Some(serde_json::Value::Null)) => "null_timestamp",
                _ => "good",
            };
            let want = by_line.get(&(k as i64 + 1)).map(|d| match d.kind {
                "null_amount" | "null_timestamp" => d.kind,
                _ => "malformed",
            });
            assert_eq!(want.unwrap_or("good"), kind, "{line}");
            if kind == "good" {
                if let Some(serde_json::Value::String(s)) = stamp {
                    if s < last {
                        late += 1;
                    }
                    last = last.max(s);
                }
            }
        }
        assert!(late > 0, "some events arrive out of order");
        assert!(defects.len() >= 4);
    }
}
