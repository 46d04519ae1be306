//! Retail sample tables: `customers`, `products`, `orders`, `transactions`, `bundles`.
//!
//! # What is planted
//!
//! **Customer segments** (`customers.planted_segment`). Every customer is simulated
//! from one of four segments with clearly separated RFM and age profiles, measured
//! against the end of the window (2025-12-31):
//!
//! | segment       | share | last order (days before end) | orders | spend  | age   |
//! |---------------|-------|------------------------------|--------|--------|-------|
//! | `champions`   | 15 %  | 0 – 14                       | 12 – 22| high   | 30–39 |
//! | `loyal`       | 30 %  | 15 – 59                      | 6 – 11 | medium | 40–50 |
//! | `at_risk`     | 25 %  | 119 – 209 (4–7 months)       | 3 – 6  | medium | 51–65 |
//! | `hibernating` | 30 %  | 269 – 364 (9–12 months)      | 1 – 2  | low    | 18–28 |
//!
//! so an RFM segmentation / k-means script can be checked against the label.
//!
//! **Product bundles** (`bundles`). Five fixed sets of 2–3 products ([`BUNDLES`])
//! are each added complete to ~3 % of orders (15 % of orders carry exactly one
//! bundle). All other lines are drawn from a mildly skewed popularity distribution
//! (weight `1 / (rank + 20)`, top product ≈ 2 % of lines), which keeps every
//! non-bundle pair far below 1 % support. FP-Growth with `minSupport = 0.01`
//! therefore finds exactly the bundle itemsets.
//!
//! **Seasonality.** Order dates are drawn from a 2025 calendar with November and
//! December peaks (Black-Friday week boosted further) and a weekend uplift.
//!
//! Determinism: every customer's attributes and activity come from their own
//! ChaCha8 sub-stream, so batches can be generated in any chunking.

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

use super::delta_writer::{write_delta, BatchIter, BATCH_ROWS};
use super::{cdf, id_chunks, sample_cdf, sub_rng, tag, utc_micros, GenerateError};

/// Customers per unit of scale (≈ 33k orders / 100k transactions per unit).
pub(super) const CUSTOMERS_PER_SCALE: u64 = 5_000;
/// Largest accepted scale (1e9 transactions); guards against overflow.
const MAX_SCALE: u32 = 10_000;
/// 2025-01-01 as days since the Unix epoch.
const YEAR_START_DAY: i32 = 20_089;
const DAYS_IN_YEAR: usize = 365;
const MICROS_PER_DAY: i64 = 86_400_000_000;
const MICROS_PER_HOUR: i64 = 3_600_000_000;
/// Probability that an order carries one (uniformly chosen) planted bundle.
const P_BUNDLE_ORDER: f64 = 0.15;
/// Maximum number of lines in an order.
const MAX_LINES: usize = 6;

/// Planted bundles as product ids (see [`CATEGORIES`]: id = category * 25 + item + 1).
pub(super) const BUNDLES: [&[i64]; 5] = [
    &[51, 52, 53],    // Summit Trail Running Shoes, Running Socks, Hydration Belt
    &[7, 8],          // Mechanical Keyboard Pro, Wireless Mouse Pro
    &[106, 107, 108], // Pure Shampoo, Conditioner, Hair Oil
    &[28, 176],       // Classic French Press, Organic Ground Coffee
    &[57, 58],        // Summit Camping Tent, Summit Sleeping Bag
];

/// The four planted customer segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Segment {
    Champions,
    Loyal,
    AtRisk,
    Hibernating,
}

impl Segment {
    const ALL: [Segment; 4] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::AtRisk,
        Segment::Hibernating,
    ];
    const SHARE: [f64; 4] = [0.15, 0.30, 0.25, 0.30];

    /// Value stored in `customers.planted_segment`.
    pub(super) fn label(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::Loyal => "loyal",
            Segment::AtRisk => "at_risk",
            Segment::Hibernating => "hibernating",
        }
    }

    /// Segment of a customer: a pure function of `(seed, customer_id)`.
    fn of(seed: u64, customer_id: u64) -> Segment {
        let u: f64 = sub_rng(seed, tag::SEGMENT, customer_id).random();
        let mut acc = 0.0;
        for (segment, share) in Self::ALL.iter().zip(Self::SHARE) {
            acc += share;
            if u < acc {
                return *segment;
            }
        }
        Segment::Hibernating
    }

    fn age_range(self) -> (i32, i32) {
        match self {
            Segment::Champions => (30, 39),
            Segment::Loyal => (40, 50),
            Segment::AtRisk => (51, 65),
            Segment::Hibernating => (18, 28),
        }
    }

    fn order_count_range(self) -> (u32, u32) {
        match self {
            Segment::Champions => (12, 22),
            Segment::Loyal => (6, 11),
            Segment::AtRisk => (3, 6),
            Segment::Hibernating => (1, 2),
        }
    }

    /// Day-of-year range (0 = Jan 1, 364 = Dec 31) of the customer's last order.
    fn last_order_days(self) -> (usize, usize) {
        match self {
            Segment::Champions => (350, 364),
            Segment::Loyal => (305, 349),
            Segment::AtRisk => (155, 245),
            Segment::Hibernating => (0, 95),
        }
    }

    /// Signup date range, days since the epoch (all before 2025).
    fn signup_range(self) -> (i32, i32) {
        match self {
            Segment::Champions => (17_897, 19_357), // 2019-01-01 ..= 2022-12-31
            Segment::Loyal => (18_262, 19_722),     // 2020-01-01 ..= 2023-12-31
            Segment::AtRisk => (17_897, 20_088),    // 2019-01-01 ..= 2024-12-31
            Segment::Hibernating => (19_723, 20_088), // 2024-01-01 ..= 2024-12-31
        }
    }

    /// Relative weights of quantities 1..=4.
    fn quantity_weights(self) -> [f64; 4] {
        match self {
            Segment::Champions => [50.0, 30.0, 13.0, 7.0],
            Segment::Hibernating => [1.0, 0.0, 0.0, 0.0],
            Segment::Loyal | Segment::AtRisk => [72.0, 20.0, 6.0, 2.0],
        }
    }
}

struct Category {
    name: &'static str,
    brands: [&'static str; 4],
    nouns: [&'static str; 10],
    lines: [&'static str; 3],
    /// Product line goes after the noun ("Wireless Mouse Pro") instead of before.
    suffix: bool,
    price: (f64, f64),
}

const PRODUCTS_PER_CATEGORY: usize = 25;

/// Product catalog: 8 categories x 25 products (two full product lines of 10 nouns
/// plus half a third line). Product id = category index * 25 + item index + 1.
const CATEGORIES: [Category; 8] = [
    Category {
        name: "Electronics",
        brands: ["Voltex", "Nimbus", "Auralis", "Kestrel"],
        nouns: [
            "Wireless Earbuds",
            "Bluetooth Speaker",
            "Smartwatch",
            "USB-C Charger",
            "Power Bank",
            "Laptop Stand",
            "Mechanical Keyboard",
            "Wireless Mouse",
            "HD Webcam",
            "Noise-Cancelling Headphones",
        ],
        lines: ["Pro", "Lite", "Max"],
        suffix: true,
        price: (19.0, 349.0),
    },
    Category {
        name: "Home & Kitchen",
        brands: ["Hearthwell", "Casa Nova", "Kitchora", "Loomis"],
        nouns: [
            "Chef Knife",
            "Cast Iron Skillet",
            "French Press",
            "Cutting Board",
            "Stand Mixer",
            "Nonstick Pan Set",
            "Espresso Machine",
            "Blender",
            "Dutch Oven",
            "Knife Sharpener",
        ],
        lines: ["Classic", "Deluxe", "Essential"],
        suffix: false,
        price: (12.0, 299.0),
    },
    Category {
        name: "Sports & Outdoors",
        brands: ["Ridgeline", "Peakform", "Trailhawk", "Northbound"],
        nouns: [
            "Trail Running Shoes",
            "Running Socks",
            "Hydration Belt",
            "Yoga Mat",
            "Resistance Bands",
            "Dumbbell Set",
            "Camping Tent",
            "Sleeping Bag",
            "Headlamp",
            "Water Bottle",
        ],
        lines: ["Summit", "Core", "Ultra"],
        suffix: false,
        price: (9.0, 249.0),
    },
    Category {
        name: "Clothing",
        brands: ["Threadline", "Urbane", "Fieldwear", "Maison Lark"],
        nouns: [
            "Denim Jacket",
            "Cotton T-Shirt",
            "Wool Sweater",
            "Chino Pants",
            "Rain Jacket",
            "Hoodie",
            "Leather Belt",
            "Baseball Cap",
            "Linen Shirt",
            "Puffer Vest",
        ],
        lines: ["Everyday", "Heritage", "Urban"],
        suffix: false,
        price: (15.0, 179.0),
    },
    Category {
        name: "Beauty",
        brands: ["Lumina", "Verdant", "Silkwood", "Aurora Skin"],
        nouns: [
            "Face Moisturizer",
            "Vitamin C Serum",
            "Sunscreen SPF 50",
            "Cleansing Gel",
            "Lip Balm",
            "Shampoo",
            "Conditioner",
            "Hair Oil",
            "Night Cream",
            "Eye Cream",
        ],
        lines: ["Pure", "Glow", "Botanical"],
        suffix: false,
        price: (6.0, 69.0),
    },
    Category {
        name: "Books",
        brands: [
            "Harbor Press",
            "Quill & Co",
            "Northwind Books",
            "Lantern House",
        ],
        nouns: [
            "Mystery Novel",
            "Cookbook",
            "Sci-Fi Novel",
            "History of Rome",
            "Travel Guide",
            "Poetry Collection",
            "Graphic Novel",
            "Self-Help Guide",
            "Biography",
            "Picture Book",
        ],
        lines: ["Vol. 1", "Vol. 2", "Deluxe Edition"],
        suffix: true,
        price: (8.0, 45.0),
    },
    Category {
        name: "Toys & Games",
        brands: ["Playwell", "Brightbox", "Tinker Toys", "Funforge"],
        nouns: [
            "Building Blocks Set",
            "Jigsaw Puzzle",
            "Board Game",
            "Plush Bear",
            "Remote Control Car",
            "Card Game",
            "Art Kit",
            "Dollhouse",
            "Science Kit",
            "Wooden Train Set",
        ],
        lines: ["Junior", "Family", "Deluxe"],
        suffix: false,
        price: (10.0, 129.0),
    },
    Category {
        name: "Grocery",
        brands: ["Greenfield", "Daily Harvest", "Mountain Mill", "Sunleaf"],
        nouns: [
            "Ground Coffee",
            "Green Tea",
            "Dark Chocolate",
            "Olive Oil",
            "Pasta",
            "Granola",
            "Honey",
            "Almond Butter",
            "Sparkling Water",
            "Trail Mix",
        ],
        lines: ["Organic", "Classic", "Premium"],
        suffix: false,
        price: (3.0, 29.0),
    },
];

const FEMALE_NAMES: [&str; 20] = [
    "Emma", "Olivia", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Evelyn", "Abigail", "Emily",
    "Ella", "Grace", "Chloe", "Lucia", "Nora", "Zoe", "Hannah", "Aisha", "Mei", "Priya",
];
const MALE_NAMES: [&str; 20] = [
    "Liam",
    "Noah",
    "Oliver",
    "Elijah",
    "James",
    "William",
    "Benjamin",
    "Lucas",
    "Henry",
    "Alexander",
    "Mateo",
    "Daniel",
    "Samuel",
    "David",
    "Omar",
    "Leo",
    "Ethan",
    "Kenji",
    "Arjun",
    "Jack",
];
const LAST_NAMES: [&str; 30] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Nguyen",
];
const CITIES: [&str; 20] = [
    "New York",
    "Los Angeles",
    "Chicago",
    "Houston",
    "Phoenix",
    "Philadelphia",
    "San Antonio",
    "San Diego",
    "Dallas",
    "Austin",
    "Seattle",
    "Denver",
    "Boston",
    "Atlanta",
    "Miami",
    "Portland",
    "Minneapolis",
    "Nashville",
    "San Francisco",
    "Detroit",
];
const CITY_WEIGHTS: [f64; 20] = [
    12.0, 10.0, 8.0, 7.0, 5.0, 5.0, 4.0, 4.0, 5.0, 4.0, 5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0,
    4.0, 2.0,
];
const EMAIL_DOMAINS: [&str; 5] = [
    "example.com",
    "mail.example.org",
    "inbox.example.net",
    "example.io",
    "post.example.co",
];
const CHANNELS: [&str; 3] = ["web", "mobile", "store"];
const CHANNEL_WEIGHTS: [f64; 3] = [45.0, 40.0, 15.0];
/// Relative weights of order sizes 1..=6 lines.
const LINE_WEIGHTS: [f64; MAX_LINES] = [20.0, 24.0, 21.0, 16.0, 12.0, 7.0];
/// Relative order volume by hour of day (UTC).
const HOUR_WEIGHTS: [f64; 24] = [
    1.0, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 1.8, 2.2, 2.5, 2.8, 3.2, 3.0, 2.7, 2.6, 2.8, 3.2, 3.6,
    4.0, 4.2, 3.6, 2.6, 1.6,
];
/// Relative order volume by month.
const MONTH_WEIGHTS: [f64; 12] = [
    0.75, 0.70, 0.80, 0.85, 0.90, 0.90, 0.85, 0.90, 0.95, 1.05, 2.00, 2.60,
];
const MONTH_DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Black-Friday week (Nov 24 ..= Dec 1) as day-of-year indices.
const BLACK_FRIDAY_WEEK: (usize, usize) = (327, 334);
/// Orders on or after this day-of-year (Dec 25) are still in flight.
const IN_FLIGHT_FROM_DAY: usize = 358;

struct Product {
    id: i64,
    name: String,
    category: &'static str,
    brand: &'static str,
    list_price: f64,
}

/// The fixed product catalog with its popularity distribution and bundles.
struct Catalog {
    products: Vec<Product>,
    popularity_cdf: Vec<f64>,
    /// Planted bundles as indices into `products`.
    bundles: Vec<Vec<usize>>,
}

impl Catalog {
    fn new(seed: u64) -> Catalog {
        let mut rng = sub_rng(seed, tag::CATALOG, 0);
        let mut products = Vec::with_capacity(CATEGORIES.len() * PRODUCTS_PER_CATEGORY);
        for (c, category) in CATEGORIES.iter().enumerate() {
            for i in 0..PRODUCTS_PER_CATEGORY {
                let noun = category.nouns[i % category.nouns.len()];
                let line = category.lines[i / category.nouns.len()];
                let name = if category.suffix {
                    format!("{noun} {line}")
                } else {
                    format!("{line} {noun}")
                };
                let (lo, hi) = category.price;
                let u: f64 = rng.random();
                // Skewed towards the cheap end, priced like "24.99".
                let list_price = (lo + (hi - lo) * u * u).floor() + 0.99;
                let brand = category.brands[rng.random_range(0..category.brands.len())];
                products.push(Product {
                    id: (c * PRODUCTS_PER_CATEGORY + i + 1) as i64,
                    name,
                    category: category.name,
                    brand,
                    list_price,
                });
            }
        }
        let mut ranks: Vec<usize> = (0..products.len()).collect();
        ranks.shuffle(&mut rng);
        let weights: Vec<f64> = ranks.iter().map(|&r| 1.0 / (r as f64 + 20.0)).collect();
        let bundles = BUNDLES
            .iter()
            .map(|ids| ids.iter().map(|&id| (id - 1) as usize).collect())
            .collect();
        Catalog {
            products,
            popularity_cdf: cdf(&weights),
            bundles,
        }
    }
}

/// 2025 day-of-year distribution with seasonality.
struct Calendar {
    cdf: Vec<f64>,
}

impl Calendar {
    fn new() -> Calendar {
        let mut weights = Vec::with_capacity(DAYS_IN_YEAR);
        for (month, &days) in MONTH_DAYS.iter().enumerate() {
            for _ in 0..days {
                let day = weights.len();
                let mut w = MONTH_WEIGHTS[month];
                // 2025-01-01 is a Wednesday: day % 7 == 3 is Saturday, 4 is Sunday.
                if matches!(day % 7, 3 | 4) {
                    w *= 1.15;
                }
                if (BLACK_FRIDAY_WEEK.0..=BLACK_FRIDAY_WEEK.1).contains(&day) {
                    w *= 1.6;
                }
                weights.push(w);
            }
        }
        Calendar { cdf: cdf(&weights) }
    }

    /// Seasonally weighted day-of-year in `lo..=hi`.
    fn sample(&self, rng: &mut impl Rng, lo: usize, hi: usize) -> usize {
        let base = if lo == 0 { 0.0 } else { self.cdf[lo - 1] };
        let top = self.cdf[hi];
        let u = base + rng.random::<f64>() * (top - base);
        self.cdf.partition_point(|&c| c <= u).clamp(lo, hi)
    }
}

#[derive(Clone, Copy, Debug)]
struct OrderRec {
    ts: i64,
    status: &'static str,
    channel: &'static str,
    first_line: usize,
    n_lines: usize,
}

#[derive(Clone, Copy, Debug)]
struct LineRec {
    product: usize,
    quantity: i32,
    price: f64,
    amount: f64,
}

/// One customer's simulated orders (reused buffer).
#[derive(Default)]
struct Activity {
    stamps: Vec<i64>,
    orders: Vec<OrderRec>,
    lines: Vec<LineRec>,
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Shared, immutable state for generating the retail tables.
pub(super) struct RetailContext {
    seed: u64,
    n_customers: u64,
    catalog: Catalog,
    calendar: Calendar,
    line_cdf: Vec<f64>,
    hour_cdf: Vec<f64>,
    channel_cdf: Vec<f64>,
    city_cdf: Vec<f64>,
    quantity_cdfs: [Vec<f64>; 4],
    total_orders: u64,
    total_lines: u64,
}

/// The retail tables, in write order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RetailTable {
    Customers,
    Products,
    Orders,
    Transactions,
    Bundles,
}

impl RetailTable {
    pub(super) const ALL: [RetailTable; 5] = [
        RetailTable::Customers,
        RetailTable::Products,
        RetailTable::Orders,
        RetailTable::Transactions,
        RetailTable::Bundles,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            RetailTable::Customers => "customers",
            RetailTable::Products => "products",
            RetailTable::Orders => "orders",
            RetailTable::Transactions => "transactions",
            RetailTable::Bundles => "bundles",
        }
    }
}

fn customers_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("email", DataType::Utf8, true),
        Field::new("age", DataType::Int32, true),
        Field::new("gender", DataType::Utf8, true),
        Field::new("city", DataType::Utf8, true),
        Field::new("signup_date", DataType::Date32, true),
        Field::new("planted_segment", DataType::Utf8, true),
    ]))
}

fn products_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, true),
        Field::new("product_name", DataType::Utf8, true),
        Field::new("category", DataType::Utf8, true),
        Field::new("brand", DataType::Utf8, true),
        Field::new("list_price", DataType::Float64, true),
    ]))
}

fn orders_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, true),
        Field::new("customer_id", DataType::Int64, true),
        Field::new("order_date", utc_micros(), true),
        Field::new("status", DataType::Utf8, true),
        Field::new("channel", DataType::Utf8, true),
    ]))
}

fn transactions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("transaction_id", DataType::Int64, true),
        Field::new("order_id", DataType::Int64, true),
        Field::new("customer_id", DataType::Int64, true),
        Field::new("product_id", DataType::Int64, true),
        Field::new("quantity", DataType::Int32, true),
        Field::new("price", DataType::Float64, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("transaction_date", utc_micros(), true),
    ]))
}

fn bundles_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("bundle_id", DataType::Int32, true),
        Field::new("product_id", DataType::Int64, true),
    ]))
}

impl RetailContext {
    /// Build the model for `(seed, scale)`; runs one counting pass over all
    /// customers (constant memory) so progress lines know the totals.
    pub(super) fn new(seed: u64, scale: u32) -> Result<Arc<RetailContext>, GenerateError> {
        if scale > MAX_SCALE {
            return Err(GenerateError::ScaleTooLarge(scale));
        }
        let quantity_cdfs = Segment::ALL.map(|s| cdf(&s.quantity_weights()));
        let mut ctx = RetailContext {
            seed,
            n_customers: CUSTOMERS_PER_SCALE * u64::from(scale),
            catalog: Catalog::new(seed),
            calendar: Calendar::new(),
            line_cdf: cdf(&LINE_WEIGHTS),
            hour_cdf: cdf(&HOUR_WEIGHTS),
            channel_cdf: cdf(&CHANNEL_WEIGHTS),
            city_cdf: cdf(&CITY_WEIGHTS),
            quantity_cdfs,
            total_orders: 0,
            total_lines: 0,
        };
        let mut act = Activity::default();
        let (mut orders, mut lines) = (0u64, 0u64);
        for id in 1..=ctx.n_customers {
            ctx.fill_activity(id, &mut act);
            orders += act.orders.len() as u64;
            lines += act.lines.len() as u64;
        }
        ctx.total_orders = orders;
        ctx.total_lines = lines;
        Ok(Arc::new(ctx))
    }

    /// Simulate all orders of one customer into `act` (deterministic per customer).
    fn fill_activity(&self, customer_id: u64, act: &mut Activity) {
        act.stamps.clear();
        act.orders.clear();
        act.lines.clear();
        let segment = Segment::of(self.seed, customer_id);
        let mut rng = sub_rng(self.seed, tag::ACTIVITY, customer_id);

        let (lo, hi) = segment.order_count_range();
        let n_orders = rng.random_range(lo..=hi);
        let (last_lo, last_hi) = segment.last_order_days();
        let last_day = rng.random_range(last_lo..=last_hi);
        for k in 0..n_orders {
            let day = if k == 0 {
                last_day
            } else {
                self.calendar.sample(&mut rng, 0, last_day)
            };
            let hour = sample_cdf(&mut rng, &self.hour_cdf) as i64;
            let second: i64 = rng.random_range(0..3600);
            let ts = (i64::from(YEAR_START_DAY) + day as i64) * MICROS_PER_DAY
                + hour * MICROS_PER_HOUR
                + second * 1_000_000;
            act.stamps.push(ts);
        }
        act.stamps.sort_unstable();

        let quantity_cdf = &self.quantity_cdfs[segment as usize];
        for &ts in &act.stamps {
            let day = ((ts / MICROS_PER_DAY) - i64::from(YEAR_START_DAY)) as usize;
            let status = if day >= IN_FLIGHT_FROM_DAY {
                if rng.random_bool(0.7) {
                    "shipped"
                } else {
                    "processing"
                }
            } else {
                let u: f64 = rng.random();
                if u < 0.92 {
                    "delivered"
                } else if u < 0.96 {
                    "returned"
                } else {
                    "cancelled"
                }
            };
            let channel = CHANNELS[sample_cdf(&mut rng, &self.channel_cdf)];

            let mut n_lines = if segment == Segment::Hibernating {
                rng.random_range(1..=2)
            } else {
                sample_cdf(&mut rng, &self.line_cdf) + 1
            };
            let mut chosen = [0usize; MAX_LINES];
            let mut count = 0;
            if rng.random_bool(P_BUNDLE_ORDER) {
                let bundle = &self.catalog.bundles[rng.random_range(0..self.catalog.bundles.len())];
                for &p in bundle {
                    chosen[count] = p;
                    count += 1;
                }
                n_lines = n_lines.max(count);
            }
            let mut attempts = 0;
            while count < n_lines && attempts < 64 {
                attempts += 1;
                let p = sample_cdf(&mut rng, &self.catalog.popularity_cdf);
                if !chosen[..count].contains(&p) {
                    chosen[count] = p;
                    count += 1;
                }
            }

            let black_friday = (BLACK_FRIDAY_WEEK.0..=BLACK_FRIDAY_WEEK.1).contains(&day);
            let first_line = act.lines.len();
            for &product in &chosen[..count] {
                let quantity = sample_cdf(&mut rng, quantity_cdf) as i32 + 1;
                let u: f64 = rng.random();
                let discount = if black_friday {
                    if u < 0.5 {
                        0.2
                    } else {
                        0.0
                    }
                } else if u < 0.75 {
                    0.0
                } else if u < 0.92 {
                    0.1
                } else {
                    0.2
                };
                let list_price = self.catalog.products[product].list_price;
                let price = round_cents(list_price * (1.0 - discount));
                act.lines.push(LineRec {
                    product,
                    quantity,
                    price,
                    amount: round_cents(f64::from(quantity) * price),
                });
            }
            act.orders.push(OrderRec {
                ts,
                status,
                channel,
                first_line,
                n_lines: count,
            });
        }
    }

    /// Write one retail table as a Delta table at `location`; returns its row count.
    pub(super) async fn write_table(
        self: &Arc<Self>,
        table: RetailTable,
        location: &Path,
        progress: &dyn Fn(&str),
    ) -> Result<u64, GenerateError> {
        let name = table.name();
        let ctx = Arc::clone(self);
        match table {
            RetailTable::Customers => {
                let expected = self.n_customers;
                write_delta(
                    name,
                    location,
                    customers_schema(),
                    expected,
                    move || ctx.customers_iter(),
                    progress,
                )
                .await
            }
            RetailTable::Products => {
                let expected = self.catalog.products.len() as u64;
                let factory =
                    move || -> BatchIter { Box::new(std::iter::once(ctx.products_batch())) };
                write_delta(
                    name,
                    location,
                    products_schema(),
                    expected,
                    factory,
                    progress,
                )
                .await
            }
            RetailTable::Orders => {
                let expected = self.total_orders;
                write_delta(
                    name,
                    location,
                    orders_schema(),
                    expected,
                    move || ctx.activity_iter(false),
                    progress,
                )
                .await
            }
            RetailTable::Transactions => {
                let expected = self.total_lines;
                write_delta(
                    name,
                    location,
                    transactions_schema(),
                    expected,
                    move || ctx.activity_iter(true),
                    progress,
                )
                .await
            }
            RetailTable::Bundles => {
                let expected = BUNDLES.iter().map(|b| b.len() as u64).sum();
                let factory = move || -> BatchIter { Box::new(std::iter::once(bundles_batch())) };
                write_delta(
                    name,
                    location,
                    bundles_schema(),
                    expected,
                    factory,
                    progress,
                )
                .await
            }
        }
    }

    fn customers_iter(self: &Arc<Self>) -> BatchIter {
        let ctx = Arc::clone(self);
        Box::new(
            id_chunks(self.n_customers, BATCH_ROWS as u64)
                .map(move |(first, last)| ctx.customers_batch(first, last)),
        )
    }

    /// Customers `first..=last` as one batch.
    fn customers_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = (last + 1).saturating_sub(first) as usize;
        let mut id_b = Int64Builder::with_capacity(n);
        let mut name_b = StringBuilder::with_capacity(n, n * 16);
        let mut email_b = StringBuilder::with_capacity(n, n * 32);
        let mut age_b = Int32Builder::with_capacity(n);
        let mut gender_b = StringBuilder::with_capacity(n, n * 6);
        let mut city_b = StringBuilder::with_capacity(n, n * 10);
        let mut signup_b = Date32Builder::with_capacity(n);
        let mut segment_b = StringBuilder::with_capacity(n, n * 10);
        let mut buf = String::with_capacity(64);
        for id in first..=last {
            let segment = Segment::of(self.seed, id);
            let mut rng = sub_rng(self.seed, tag::CUSTOMER, id);
            let g: f64 = rng.random();
            let (gender, first_name) = if g < 0.49 {
                (
                    "female",
                    FEMALE_NAMES[rng.random_range(0..FEMALE_NAMES.len())],
                )
            } else if g < 0.98 {
                ("male", MALE_NAMES[rng.random_range(0..MALE_NAMES.len())])
            } else {
                let all = FEMALE_NAMES.len() + MALE_NAMES.len();
                let i = rng.random_range(0..all);
                let name = if i < FEMALE_NAMES.len() {
                    FEMALE_NAMES[i]
                } else {
                    MALE_NAMES[i - FEMALE_NAMES.len()]
                };
                ("non-binary", name)
            };
            let last_name = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let (age_lo, age_hi) = segment.age_range();
            let age = rng.random_range(age_lo..=age_hi);
            let city = CITIES[sample_cdf(&mut rng, &self.city_cdf)];
            let (s_lo, s_hi) = segment.signup_range();
            let signup = rng.random_range(s_lo..=s_hi);
            let domain = EMAIL_DOMAINS[rng.random_range(0..EMAIL_DOMAINS.len())];

            id_b.append_value(id as i64);
            buf.clear();
            buf.push_str(first_name);
            buf.push(' ');
            buf.push_str(last_name);
            name_b.append_value(&buf);
            buf.clear();
            buf.extend(first_name.chars().map(|c| c.to_ascii_lowercase()));
            buf.push('.');
            buf.extend(last_name.chars().map(|c| c.to_ascii_lowercase()));
            push_u64(&mut buf, id);
            buf.push('@');
            buf.push_str(domain);
            email_b.append_value(&buf);
            age_b.append_value(age);
            gender_b.append_value(gender);
            city_b.append_value(city);
            signup_b.append_value(signup);
            segment_b.append_value(segment.label());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(name_b.finish()),
            Arc::new(email_b.finish()),
            Arc::new(age_b.finish()),
            Arc::new(gender_b.finish()),
            Arc::new(city_b.finish()),
            Arc::new(signup_b.finish()),
            Arc::new(segment_b.finish()),
        ];
        RecordBatch::try_new(customers_schema(), columns)
    }

    fn products_batch(&self) -> Result<RecordBatch, ArrowError> {
        let products = &self.catalog.products;
        let n = products.len();
        let mut id_b = Int64Builder::with_capacity(n);
        let mut name_b = StringBuilder::with_capacity(n, n * 24);
        let mut category_b = StringBuilder::with_capacity(n, n * 12);
        let mut brand_b = StringBuilder::with_capacity(n, n * 10);
        let mut price_b = Float64Builder::with_capacity(n);
        for p in products {
            id_b.append_value(p.id);
            name_b.append_value(&p.name);
            category_b.append_value(p.category);
            brand_b.append_value(p.brand);
            price_b.append_value(p.list_price);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(name_b.finish()),
            Arc::new(category_b.finish()),
            Arc::new(brand_b.finish()),
            Arc::new(price_b.finish()),
        ];
        RecordBatch::try_new(products_schema(), columns)
    }

    /// Batches of `orders` (`lines == false`) or `transactions` (`lines == true`),
    /// walking customers in id order with running order/transaction ids.
    fn activity_iter(self: &Arc<Self>, lines: bool) -> BatchIter {
        Box::new(ActivityIter {
            ctx: Arc::clone(self),
            lines,
            next_customer: 1,
            next_order_id: 1,
            next_line_id: 1,
            act: Activity::default(),
        })
    }
}

fn bundles_batch() -> Result<RecordBatch, ArrowError> {
    let mut bundle_b = Int32Builder::new();
    let mut product_b = Int64Builder::new();
    for (i, bundle) in BUNDLES.iter().enumerate() {
        for &product in bundle.iter() {
            bundle_b.append_value(i as i32 + 1);
            product_b.append_value(product);
        }
    }
    let columns: Vec<ArrayRef> = vec![Arc::new(bundle_b.finish()), Arc::new(product_b.finish())];
    RecordBatch::try_new(bundles_schema(), columns)
}

/// Append the decimal digits of `n` without allocating.
fn push_u64(buf: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n;
    loop {
        digits[len] = b'0' + (v % 10) as u8;
        len += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        buf.push(char::from(d));
    }
}

struct ActivityIter {
    ctx: Arc<RetailContext>,
    lines: bool,
    next_customer: u64,
    next_order_id: i64,
    next_line_id: i64,
    act: Activity,
}

impl ActivityIter {
    fn orders_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let cap = BATCH_ROWS + 64;
        let mut id_b = Int64Builder::with_capacity(cap);
        let mut customer_b = Int64Builder::with_capacity(cap);
        let mut date_b = TimestampMicrosecondBuilder::with_capacity(cap).with_timezone("UTC");
        let mut status_b = StringBuilder::with_capacity(cap, cap * 9);
        let mut channel_b = StringBuilder::with_capacity(cap, cap * 6);
        let mut rows = 0;
        while rows < BATCH_ROWS && self.next_customer <= self.ctx.n_customers {
            let customer = self.next_customer;
            self.next_customer += 1;
            self.ctx.fill_activity(customer, &mut self.act);
            for order in &self.act.orders {
                id_b.append_value(self.next_order_id);
                self.next_order_id += 1;
                customer_b.append_value(customer as i64);
                date_b.append_value(order.ts);
                status_b.append_value(order.status);
                channel_b.append_value(order.channel);
                rows += 1;
            }
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(customer_b.finish()),
            Arc::new(date_b.finish()),
            Arc::new(status_b.finish()),
            Arc::new(channel_b.finish()),
        ];
        RecordBatch::try_new(orders_schema(), columns)
    }

    fn transactions_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let cap = BATCH_ROWS + 256;
        let mut id_b = Int64Builder::with_capacity(cap);
        let mut order_b = Int64Builder::with_capacity(cap);
        let mut customer_b = Int64Builder::with_capacity(cap);
        let mut product_b = Int64Builder::with_capacity(cap);
        let mut quantity_b = Int32Builder::with_capacity(cap);
        let mut price_b = Float64Builder::with_capacity(cap);
        let mut amount_b = Float64Builder::with_capacity(cap);
        let mut date_b = TimestampMicrosecondBuilder::with_capacity(cap).with_timezone("UTC");
        let mut rows = 0;
        while rows < BATCH_ROWS && self.next_customer <= self.ctx.n_customers {
            let customer = self.next_customer;
            self.next_customer += 1;
            self.ctx.fill_activity(customer, &mut self.act);
            for order in &self.act.orders {
                let order_id = self.next_order_id;
                self.next_order_id += 1;
                for line in &self.act.lines[order.first_line..order.first_line + order.n_lines] {
                    id_b.append_value(self.next_line_id);
                    self.next_line_id += 1;
                    order_b.append_value(order_id);
                    customer_b.append_value(customer as i64);
                    product_b.append_value(self.ctx.catalog.products[line.product].id);
                    quantity_b.append_value(line.quantity);
                    price_b.append_value(line.price);
                    amount_b.append_value(line.amount);
                    date_b.append_value(order.ts);
                    rows += 1;
                }
            }
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(order_b.finish()),
            Arc::new(customer_b.finish()),
            Arc::new(product_b.finish()),
            Arc::new(quantity_b.finish()),
            Arc::new(price_b.finish()),
            Arc::new(amount_b.finish()),
            Arc::new(date_b.finish()),
        ];
        RecordBatch::try_new(transactions_schema(), columns)
    }
}

impl Iterator for ActivityIter {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_customer > self.ctx.n_customers {
            return None;
        }
        Some(if self.lines {
            self.transactions_batch()
        } else {
            self.orders_batch()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    const END_DAY: i64 = YEAR_START_DAY as i64 + 364;

    fn collect(iter: BatchIter) -> Vec<RecordBatch> {
        iter.collect::<Result<Vec<_>, _>>().unwrap()
    }

    #[test]
    fn epoch_constants_match_chrono() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let days =
            |y, m, d| (chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days() as i32;
        assert_eq!(YEAR_START_DAY, days(2025, 1, 1));
        assert_eq!(
            Segment::Champions.signup_range(),
            (days(2019, 1, 1), days(2022, 12, 31))
        );
        assert_eq!(
            Segment::Loyal.signup_range(),
            (days(2020, 1, 1), days(2023, 12, 31))
        );
        assert_eq!(
            Segment::Hibernating.signup_range(),
            (days(2024, 1, 1), days(2024, 12, 31))
        );
        assert_eq!(
            YEAR_START_DAY + BLACK_FRIDAY_WEEK.0 as i32,
            days(2025, 11, 24)
        );
        assert_eq!(
            YEAR_START_DAY + IN_FLIGHT_FROM_DAY as i32,
            days(2025, 12, 25)
        );
        assert_eq!(Calendar::new().cdf.len(), 365);
    }

    #[test]
    fn catalog_names_unique_and_bundles_coherent() {
        let catalog = Catalog::new(42);
        assert_eq!(catalog.products.len(), 200);
        let names: HashSet<&str> = catalog.products.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), 200);
        let by_id: HashMap<i64, &str> = catalog
            .products
            .iter()
            .map(|p| (p.id, p.name.as_str()))
            .collect();
        assert_eq!(by_id[&51], "Summit Trail Running Shoes");
        assert_eq!(by_id[&8], "Wireless Mouse Pro");
        assert_eq!(by_id[&107], "Pure Conditioner");
        assert_eq!(by_id[&176], "Organic Ground Coffee");
        assert_eq!(by_id[&58], "Summit Sleeping Bag");
    }

    #[test]
    fn tables_are_deterministic() {
        let a = RetailContext::new(7, 1).unwrap();
        let b = RetailContext::new(7, 1).unwrap();
        assert_eq!(collect(a.customers_iter()), collect(b.customers_iter()));
        assert_eq!(
            collect(a.activity_iter(true)),
            collect(b.activity_iter(true))
        );
        assert_eq!(a.products_batch().unwrap(), b.products_batch().unwrap());
        let c = RetailContext::new(8, 1).unwrap();
        assert_ne!(
            collect(a.activity_iter(true)),
            collect(c.activity_iter(true))
        );
    }

    #[test]
    fn chunking_does_not_change_customers() {
        let ctx = RetailContext::new(3, 1).unwrap();
        let whole = ctx.customers_batch(1, 100).unwrap();
        let first = ctx.customers_batch(1, 37).unwrap();
        let rest = ctx.customers_batch(38, 100).unwrap();
        let joined =
            deltalake::arrow::compute::concat_batches(&customers_schema(), [&first, &rest])
                .unwrap();
        assert_eq!(whole, joined);
    }

    #[test]
    fn scale_one_sizes() {
        let ctx = RetailContext::new(1, 1).unwrap();
        assert_eq!(ctx.n_customers, 5_000);
        assert!(
            (30_000..40_000).contains(&ctx.total_orders),
            "{}",
            ctx.total_orders
        );
        assert!(
            (85_000..120_000).contains(&ctx.total_lines),
            "{}",
            ctx.total_lines
        );
        let rows: usize = collect(ctx.activity_iter(true))
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows as u64, ctx.total_lines);
        let rows: usize = collect(ctx.activity_iter(false))
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows as u64, ctx.total_orders);
    }

    #[derive(Default)]
    struct Rfm {
        customers: u64,
        max_recency: i64,
        min_recency: i64,
        orders: u64,
        spend: f64,
    }

    #[test]
    fn planted_segments_have_distinct_rfm() {
        let ctx = RetailContext::new(11, 1).unwrap();
        let mut stats: HashMap<Segment, Rfm> = HashMap::new();
        let mut act = Activity::default();
        for id in 1..=ctx.n_customers {
            ctx.fill_activity(id, &mut act);
            let seg = Segment::of(ctx.seed, id);
            let last = act.orders.iter().map(|o| o.ts).max().unwrap();
            let recency = END_DAY - last / MICROS_PER_DAY;
            let s = stats.entry(seg).or_insert(Rfm {
                min_recency: i64::MAX,
                ..Rfm::default()
            });
            s.customers += 1;
            s.max_recency = s.max_recency.max(recency);
            s.min_recency = s.min_recency.min(recency);
            s.orders += act.orders.len() as u64;
            s.spend += act.lines.iter().map(|l| l.amount).sum::<f64>();
        }
        let avg = |s: Segment| {
            let r = &stats[&s];
            (
                r.orders as f64 / r.customers as f64,
                r.spend / r.customers as f64,
            )
        };
        assert!(stats[&Segment::Champions].max_recency <= 14);
        assert!(stats[&Segment::Loyal].min_recency >= 15);
        assert!(stats[&Segment::Loyal].max_recency <= 60);
        assert!(stats[&Segment::AtRisk].min_recency >= 119);
        assert!(stats[&Segment::AtRisk].max_recency <= 210);
        assert!(stats[&Segment::Hibernating].min_recency >= 269);
        let (c_f, c_m) = avg(Segment::Champions);
        let (l_f, l_m) = avg(Segment::Loyal);
        let (a_f, a_m) = avg(Segment::AtRisk);
        let (h_f, h_m) = avg(Segment::Hibernating);
        assert!(c_f > l_f && l_f > a_f && a_f > h_f);
        assert!(
            c_m > 1.5 * l_m && l_m > a_m && a_m > 2.0 * h_m,
            "{c_m} {l_m} {a_m} {h_m}"
        );
        for seg in Segment::ALL {
            let share = stats[&seg].customers as f64 / ctx.n_customers as f64;
            assert!((share - Segment::SHARE[seg as usize]).abs() < 0.03);
        }
    }

    #[test]
    fn planted_bundles_are_the_only_frequent_pairs() {
        let ctx = RetailContext::new(5, 1).unwrap();
        let mut act = Activity::default();
        let mut pairs: HashMap<(usize, usize), u32> = HashMap::new();
        let mut complete = [0u32; 5];
        let mut n_orders = 0u32;
        for id in 1..=ctx.n_customers {
            ctx.fill_activity(id, &mut act);
            for o in &act.orders {
                n_orders += 1;
                let items: Vec<usize> = act.lines[o.first_line..o.first_line + o.n_lines]
                    .iter()
                    .map(|l| l.product)
                    .collect();
                for (i, &a) in items.iter().enumerate() {
                    for &b in &items[i + 1..] {
                        *pairs.entry((a.min(b), a.max(b))).or_default() += 1;
                    }
                }
                for (b, bundle) in ctx.catalog.bundles.iter().enumerate() {
                    if bundle.iter().all(|p| items.contains(p)) {
                        complete[b] += 1;
                    }
                }
            }
        }
        let support = |c: u32| f64::from(c) / f64::from(n_orders);
        for c in complete {
            assert!(
                (0.02..=0.04).contains(&support(c)),
                "bundle support {}",
                support(c)
            );
        }
        let same_bundle = |a: usize, b: usize| {
            ctx.catalog
                .bundles
                .iter()
                .any(|bd| bd.contains(&a) && bd.contains(&b))
        };
        for (&(a, b), &c) in &pairs {
            if same_bundle(a, b) {
                assert!(support(c) >= 0.02);
            } else {
                assert!(support(c) < 0.006, "pair {a},{b} support {}", support(c));
            }
        }
    }

    #[test]
    fn seasonality_peaks_in_november_and_december() {
        let ctx = RetailContext::new(9, 1).unwrap();
        let mut per_month = [0u64; 12];
        let mut act = Activity::default();
        let month_of = |day: usize| {
            let mut acc = 0;
            for (m, d) in MONTH_DAYS.iter().enumerate() {
                acc += d;
                if day < acc {
                    return m;
                }
            }
            11
        };
        for id in 1..=ctx.n_customers {
            ctx.fill_activity(id, &mut act);
            for o in &act.orders {
                let day = (o.ts / MICROS_PER_DAY - i64::from(YEAR_START_DAY)) as usize;
                per_month[month_of(day)] += 1;
            }
        }
        let max_other = per_month[..10].iter().max().copied().unwrap();
        assert!(
            per_month[10] > max_other && per_month[11] > max_other,
            "{per_month:?}"
        );
    }
}
