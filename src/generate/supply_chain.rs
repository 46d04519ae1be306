//! Supply chain tables for seed scenario 7 (supply chain optimization).
//!
//! The names carry an `sc_` prefix where the retail and ETL groups already use the
//! plain one in the same data root (`products`, `orders`, `inventory`):
//!
//! * `sc_products` (product_id, product_name, product_category, lead_time, unit_cost):
//!   `200 × scale` products in six categories, lead times of 3–21 days.
//! * `suppliers` (supplier_id, supplier_name, country): 30 suppliers at any scale.
//! * `sc_orders` (order_id, product_id, order_date, quantity): daily orders from
//!   2022-01-01 to 2024-12-31 (1096 days, ≈110k rows at scale 1). With ≈100 order lines
//!   a day, the last order day is 2024-12-31, so a script's as-of date "the day after the
//!   last order" is 2025-01-01 and every month of the history is complete.
//! * `sc_inventory` (product_id, warehouse_id, quantity, status): every product in 4
//!   warehouses, as 1–3 `available` lots, usually a `reserved` row and sometimes an
//!   `in_transit` row.
//! * `sc_shipments` (shipment_id, supplier_id, product_id, expected_delivery_date,
//!   delivery_date, quality_rating): `50 × products` deliveries.
//!
//! # What is planted
//!
//! * **Demand.** Product `p` receives `Poisson(λ_p(t))` order lines on day `t`, each of
//!   `m_p − 2 ..= m_p + 2` units (uniform, `m_p` in 3–12), with
//!   `λ_p(t) = r_p · (1 + g_p·y) · (1 + A_p·cos(2π(y − φ_p)))`, `y` the years since
//!   2022-01-01: base rate `r_p` 0.25–0.65 order lines a day, linear trend `g_p`
//!   −10 %…+25 % a year, yearly seasonality of amplitude `A_p` 0–0.35 peaking at the
//!   year fraction `φ_p`. `planted_sc_demand` (product_id, month, expected_demand)
//!   holds the expected units per calendar month, `Σ_days λ_p(t) · m_p`, for the 36
//!   months of history and the 6 months after it (what a forecast should approach).
//! * **Late suppliers.** 4 of the 30 suppliers deliver on time (on or before the
//!   expected date) with probability 0.05–0.20 and are otherwise 3–12 days late; the
//!   others are on time with probability 0.75–0.97 and otherwise 1–4 days late (on-time
//!   deliveries arrive 0–2 days early). Late suppliers also have somewhat lower quality
//!   ratings. Every category is served by at least 3 punctual suppliers, so a late
//!   supplier ranks below every punctual one in each of its categories.
//!   `planted_late_suppliers` (supplier_id, supplier_name, on_time_probability,
//!   expected_delay_days) lists them.
//! * **Stock status.** Each (product, warehouse) is planted, independently, as
//!   `CRITICAL` (2 %), `REORDER` (3 %), `OVERSTOCKED` (3 %) or `OPTIMAL`. The generator
//!   computes the product's daily demand over the 90 days before the as-of date
//!   exactly as the script does (mean `a` and sample standard deviation `s` of the 90
//!   daily totals, zero days included) and sets the available stock inside the band of
//!   the planted status: with `safety = 2a + 1.96·s·√lead_time` and
//!   `reorder = safety + a·lead_time`, CRITICAL holds `⌊safety/2⌋`, REORDER the middle
//!   of `(safety, reorder]`, OPTIMAL the middle of `(reorder, 90a]` and OVERSTOCKED
//!   `⌈150a⌉` (150 days of supply). Each value keeps at least one unit and 5 % of the
//!   boundary from both ends of its band; a status whose band is too narrow for that
//!   falls back to OPTIMAL (then OVERSTOCKED). `planted_stock_status` (product_id,
//!   warehouse_id, expected_status) holds the status of every (product, warehouse).
//!
//! Determinism: products, suppliers and the supplier-category layout come from small
//! per-entity streams; the orders of day `t` from the day's stream (all products in id
//! order), so the 90-day statistics are recomputed from the same streams; each
//! shipment and each product's inventory rows from their own streams.

use std::f64::consts::TAU;
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::seq::SliceRandom;
use rand::Rng;

use super::delta_writer::{write_delta, BatchIter, BATCH_ROWS};
use super::{id_chunks, poisson, sub_rng, tag, GenerateError};

/// 2022-01-01 as days since 1970-01-01: the first order day.
const FIRST_DAY: i32 = 18_993;
/// Order days: 2022-01-01 ..= 2024-12-31.
const DAYS: i32 = 1096;
/// The demand window of the inventory statistics: the last 90 order days.
const WINDOW_DAYS: i32 = 90;
/// Months after the history covered by `planted_sc_demand`.
const FUTURE_MONTHS: i32 = 6;
const PRODUCTS_PER_SCALE: u64 = 200;
const SHIPMENTS_PER_PRODUCT: u64 = 50;
const WAREHOUSES: i64 = 4;
const SUPPLIERS: usize = 30;
const LATE_SUPPLIERS: usize = 4;
/// Every category has at least this many punctual suppliers.
const MIN_PUNCTUAL_PER_CATEGORY: usize = 3;
/// Keeps the in-memory product parameters (≈64 bytes a product) bounded.
const MAX_SCALE: u32 = 2_000;

const CATEGORIES: [&str; 6] = [
    "Electronics",
    "Home & Kitchen",
    "Apparel",
    "Grocery",
    "Toys",
    "Sports",
];
const NOUNS: [[&str; 4]; 6] = [
    ["Headphones", "Charger", "Router", "Keyboard"],
    ["Kettle", "Pan Set", "Blender", "Towel Set"],
    ["Jacket", "T-Shirt", "Sneakers", "Scarf"],
    ["Coffee Beans", "Olive Oil", "Pasta", "Tea Box"],
    ["Puzzle", "Building Set", "Plush Bear", "Board Game"],
    ["Yoga Mat", "Dumbbells", "Tennis Balls", "Water Bottle"],
];
const SUPPLIER_PREFIXES: [&str; 10] = [
    "Apex",
    "Blue River",
    "Crescent",
    "Delta Point",
    "Evergreen",
    "Falcon",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
];
const SUPPLIER_SUFFIXES: [&str; 3] = ["Industries", "Trading Co.", "Logistics"];
const COUNTRIES: [&str; 8] = ["US", "CN", "DE", "MX", "IN", "VN", "JP", "PL"];

/// Planted stock status of a (product, warehouse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StockStatus {
    Critical,
    Reorder,
    Overstocked,
    Optimal,
}

impl StockStatus {
    fn name(self) -> &'static str {
        match self {
            StockStatus::Critical => "CRITICAL",
            StockStatus::Reorder => "REORDER",
            StockStatus::Overstocked => "OVERSTOCKED",
            StockStatus::Optimal => "OPTIMAL",
        }
    }
}

/// A product's catalogue row and demand parameters.
struct Product {
    category: usize,
    noun: usize,
    lead_time: i64,
    unit_cost_cents: i64,
    /// Base order lines a day.
    rate: f64,
    /// Mean units of an order line (quantities are `qty_mean - 2 ..= qty_mean + 2`).
    qty_mean: i64,
    /// Relative demand change per year.
    trend: f64,
    /// Yearly seasonality amplitude (relative).
    amplitude: f64,
    /// Year fraction of the seasonal peak.
    peak: f64,
}

impl Product {
    fn new(seed: u64, id: u64) -> Product {
        let mut rng = sub_rng(seed, tag::SC_PRODUCT, id);
        // The first products cover every category so none is empty at any scale.
        let drawn = rng.random_range(0..CATEGORIES.len());
        let category = if id as usize <= CATEGORIES.len() {
            id as usize - 1
        } else {
            drawn
        };
        Product {
            category,
            noun: rng.random_range(0..NOUNS[0].len()),
            lead_time: rng.random_range(3..=21),
            unit_cost_cents: rng.random_range(200..=25_000),
            rate: rng.random_range(0.25..0.65),
            qty_mean: rng.random_range(3..=12),
            trend: rng.random_range(-0.10..0.25),
            amplitude: rng.random_range(0.0..0.35),
            peak: rng.random::<f64>(),
        }
    }

    /// Expected order lines on day `day` (0 = 2022-01-01; later days extrapolate).
    fn order_rate(&self, day: i32) -> f64 {
        let years = f64::from(day) / 365.25;
        self.rate
            * (1.0 + self.trend * years)
            * (1.0 + self.amplitude * (TAU * (years - self.peak)).cos())
    }
}

/// A supplier and its planted behaviour.
struct Supplier {
    country: usize,
    categories: Vec<usize>,
    late: bool,
    on_time_probability: f64,
    quality: f64,
}

impl Supplier {
    fn name(index: usize) -> String {
        format!(
            "{} {}",
            SUPPLIER_PREFIXES[index % SUPPLIER_PREFIXES.len()],
            SUPPLIER_SUFFIXES[(index / SUPPLIER_PREFIXES.len()) % SUPPLIER_SUFFIXES.len()]
        )
    }

    /// Days late when not on time: `(min, max)`.
    fn delay_range(&self) -> (i64, i64) {
        if self.late {
            (3, 12)
        } else {
            (1, 4)
        }
    }

    /// Expected `delivery_date - expected_delivery_date` (on-time deliveries are 0–2
    /// days early, uniformly).
    fn expected_delay(&self) -> f64 {
        let (lo, hi) = self.delay_range();
        let p = self.on_time_probability;
        -p + (1.0 - p) * (lo + hi) as f64 / 2.0
    }
}

struct SupplyChain {
    seed: u64,
    products: Vec<Product>,
    /// Product indices (0-based) per category.
    by_category: Vec<Vec<usize>>,
    suppliers: Vec<Supplier>,
    /// Per product: mean and sample standard deviation of the daily units over the
    /// last [`WINDOW_DAYS`] order days.
    window_stats: Vec<(f64, f64)>,
}

/// Days since 1970-01-01 of the first day of month `month0` counted from January 2022.
fn month_start(month0: i32) -> i32 {
    let year = 2022 + month0.div_euclid(12);
    let month = month0.rem_euclid(12) as u32 + 1;
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .zip(chrono::NaiveDate::from_ymd_opt(1970, 1, 1))
        .map(|(d, epoch)| (d - epoch).num_days() as i32)
        .unwrap_or(FIRST_DAY)
}

impl SupplyChain {
    fn new(seed: u64, scale: u32) -> Result<SupplyChain, GenerateError> {
        if scale > MAX_SCALE {
            return Err(GenerateError::ScaleTooLarge(scale));
        }
        let n = PRODUCTS_PER_SCALE * u64::from(scale);
        let products: Vec<Product> = (1..=n).map(|id| Product::new(seed, id)).collect();
        let mut by_category = vec![Vec::new(); CATEGORIES.len()];
        for (i, p) in products.iter().enumerate() {
            by_category[p.category].push(i);
        }
        let suppliers = Self::suppliers(seed);
        let mut ctx = SupplyChain {
            seed,
            products,
            by_category,
            suppliers,
            window_stats: Vec::new(),
        };
        ctx.window_stats = ctx.compute_window_stats();
        Ok(ctx)
    }

    fn suppliers(seed: u64) -> Vec<Supplier> {
        let mut rng = sub_rng(seed, tag::SC_SUPPLIER, 0);
        let mut order: Vec<usize> = (0..SUPPLIERS).collect();
        order.shuffle(&mut rng);
        let mut suppliers: Vec<Supplier> = (0..SUPPLIERS)
            .map(|i| {
                let late = order[..LATE_SUPPLIERS].contains(&i);
                let mut cats: Vec<usize> = (0..CATEGORIES.len()).collect();
                cats.shuffle(&mut rng);
                cats.truncate(rng.random_range(1..=if late { 2 } else { 3 }));
                cats.sort_unstable();
                Supplier {
                    country: rng.random_range(0..COUNTRIES.len()),
                    categories: cats,
                    late,
                    on_time_probability: if late {
                        rng.random_range(0.05..0.20)
                    } else {
                        rng.random_range(0.75..0.97)
                    },
                    quality: if late {
                        rng.random_range(2.6..3.8)
                    } else {
                        rng.random_range(3.4..4.8)
                    },
                }
            })
            .collect();
        // Enough punctual suppliers in every category for a meaningful ranking.
        for c in 0..CATEGORIES.len() {
            loop {
                let serving = suppliers
                    .iter()
                    .filter(|s| !s.late && s.categories.contains(&c))
                    .count();
                if serving >= MIN_PUNCTUAL_PER_CATEGORY {
                    break;
                }
                let candidates: Vec<usize> = (0..SUPPLIERS)
                    .filter(|&i| !suppliers[i].late && !suppliers[i].categories.contains(&c))
                    .collect();
                let Some(&pick) = candidates.get(rng.random_range(0..candidates.len().max(1)))
                else {
                    break;
                };
                suppliers[pick].categories.push(c);
                suppliers[pick].categories.sort_unstable();
            }
        }
        suppliers
    }

    /// Calls `emit(product_index, quantity)` for every order line of day `day`, in
    /// product order.
    fn day_orders(&self, day: i32, mut emit: impl FnMut(usize, i64)) {
        let mut rng = sub_rng(self.seed, tag::SC_ORDERS, day as u64);
        for (i, p) in self.products.iter().enumerate() {
            for _ in 0..poisson(&mut rng, p.order_rate(day)) {
                emit(i, p.qty_mean + rng.random_range(-2..=2));
            }
        }
    }

    /// Mean and sample standard deviation of each product's daily units over the last
    /// [`WINDOW_DAYS`] order days, days without orders counting as zero.
    fn compute_window_stats(&self) -> Vec<(f64, f64)> {
        let n = self.products.len();
        let (mut sum, mut sum_sq) = (vec![0.0f64; n], vec![0.0f64; n]);
        let mut today = vec![0i64; n];
        for day in DAYS - WINDOW_DAYS..DAYS {
            today.fill(0);
            self.day_orders(day, |i, q| today[i] += q);
            for i in 0..n {
                let x = today[i] as f64;
                sum[i] += x;
                sum_sq[i] += x * x;
            }
        }
        let w = f64::from(WINDOW_DAYS);
        sum.iter()
            .zip(&sum_sq)
            .map(|(&s, &sq)| {
                let mean = s / w;
                let var = ((sq - s * s / w) / (w - 1.0)).max(0.0);
                (mean, var.sqrt())
            })
            .collect()
    }

    fn expected_orders(&self) -> u64 {
        let total: f64 = (0..DAYS)
            .step_by(7)
            .map(|d| self.products.iter().map(|p| p.order_rate(d)).sum::<f64>() * 7.0)
            .sum();
        total as u64
    }

    /// Available stock for `status` given the product's window statistics, or `None`
    /// when the status band is too narrow to hold a value with a safe margin.
    fn available_for(&self, product: usize, status: StockStatus) -> Option<i64> {
        let (a, s) = self.window_stats[product];
        if a <= 0.0 {
            // No demand: every positive stock is OPTIMAL (days of supply is NULL).
            return (status == StockStatus::Optimal).then_some(100);
        }
        let lead = self.products[product].lead_time as f64;
        let safety = 2.0 * a + 1.96 * s * lead.sqrt();
        let reorder = safety + a * lead;
        let overstock = 90.0 * a;
        let (low, high, value) = match status {
            StockStatus::Critical => (None, Some(safety), (safety / 2.0).floor()),
            StockStatus::Reorder => (
                Some(safety),
                Some(reorder),
                ((safety + reorder) / 2.0).round(),
            ),
            StockStatus::Optimal => (
                Some(reorder),
                Some(overstock),
                ((reorder + overstock) / 2.0).round(),
            ),
            StockStatus::Overstocked => (Some(overstock), None, (150.0 * a).ceil()),
        };
        let margin = |edge: f64| (0.05 * edge).max(1.0);
        let ok_low = low.is_none_or(|l| value - l >= margin(l));
        let ok_high = high.is_none_or(|h| h - value >= margin(h));
        (ok_low && ok_high && value >= 0.0).then_some(value as i64)
    }

    /// Inventory rows `(warehouse, quantity, status)` and planted statuses of product
    /// `product` (0-based) in every warehouse.
    fn inventory_of(&self, product: usize) -> (Vec<(i64, i64, &'static str)>, Vec<StockStatus>) {
        let mut rng = sub_rng(self.seed, tag::SC_INVENTORY, product as u64 + 1);
        let mut rows = Vec::new();
        let mut statuses = Vec::new();
        for warehouse in 1..=WAREHOUSES {
            let u = rng.random::<f64>();
            let planned = if u < 0.02 {
                StockStatus::Critical
            } else if u < 0.05 {
                StockStatus::Reorder
            } else if u < 0.08 {
                StockStatus::Overstocked
            } else {
                StockStatus::Optimal
            };
            let (status, available) = [planned, StockStatus::Optimal, StockStatus::Overstocked]
                .into_iter()
                .find_map(|st| self.available_for(product, st).map(|q| (st, q)))
                .unwrap_or((StockStatus::Overstocked, 0));
            statuses.push(status);
            // The available stock in 1-3 lots.
            let lots = rng.random_range(1..=3usize);
            let mut cuts: Vec<i64> = (1..lots).map(|_| rng.random_range(0..=available)).collect();
            cuts.push(0);
            cuts.push(available);
            cuts.sort_unstable();
            for pair in cuts.windows(2) {
                rows.push((warehouse, pair[1] - pair[0], "available"));
            }
            if rng.random_bool(0.7) {
                let reserved = rng.random_range(1..=(available / 4).max(5));
                rows.push((warehouse, reserved, "reserved"));
            }
            if rng.random_bool(0.4) {
                rows.push((warehouse, rng.random_range(10..=200), "in_transit"));
            }
        }
        (rows, statuses)
    }

    // ----- batches -----

    fn products_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = (last + 1 - first) as usize;
        let mut id = Int64Builder::with_capacity(n);
        let mut name = StringBuilder::with_capacity(n, n * 24);
        let mut category = StringBuilder::with_capacity(n, n * 12);
        let mut lead = Int64Builder::with_capacity(n);
        let mut cost = Float64Builder::with_capacity(n);
        for pid in first..=last {
            let p = &self.products[pid as usize - 1];
            id.append_value(pid as i64);
            name.append_value(format!("{} {pid:05}", NOUNS[p.category][p.noun]));
            category.append_value(CATEGORIES[p.category]);
            lead.append_value(p.lead_time);
            cost.append_value(p.unit_cost_cents as f64 / 100.0);
        }
        RecordBatch::try_new(
            products_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(name.finish()),
                Arc::new(category.finish()),
                Arc::new(lead.finish()),
                Arc::new(cost.finish()),
            ],
        )
    }

    fn suppliers_batch(&self) -> Result<RecordBatch, ArrowError> {
        let mut id = Int64Builder::new();
        let mut name = StringBuilder::new();
        let mut country = StringBuilder::new();
        for (i, s) in self.suppliers.iter().enumerate() {
            id.append_value(i as i64 + 1);
            name.append_value(Supplier::name(i));
            country.append_value(COUNTRIES[s.country]);
        }
        RecordBatch::try_new(
            suppliers_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(name.finish()),
                Arc::new(country.finish()),
            ],
        )
    }

    fn late_suppliers_batch(&self) -> Result<RecordBatch, ArrowError> {
        let mut id = Int64Builder::new();
        let mut name = StringBuilder::new();
        let mut on_time = Float64Builder::new();
        let mut delay = Float64Builder::new();
        for (i, s) in self.suppliers.iter().enumerate().filter(|(_, s)| s.late) {
            id.append_value(i as i64 + 1);
            name.append_value(Supplier::name(i));
            on_time.append_value(s.on_time_probability);
            delay.append_value(s.expected_delay());
        }
        RecordBatch::try_new(
            late_suppliers_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(name.finish()),
                Arc::new(on_time.finish()),
                Arc::new(delay.finish()),
            ],
        )
    }

    /// Inventory rows (`planted == false`) or planted statuses of products
    /// `first..=last`.
    fn inventory_batch(
        &self,
        first: u64,
        last: u64,
        planted: bool,
    ) -> Result<RecordBatch, ArrowError> {
        let mut pid_b = Int64Builder::new();
        let mut wh_b = Int64Builder::new();
        let mut qty_b = Int64Builder::new();
        let mut status_b = StringBuilder::new();
        for pid in first..=last {
            let (rows, statuses) = self.inventory_of(pid as usize - 1);
            if planted {
                for (w, status) in statuses.iter().enumerate() {
                    pid_b.append_value(pid as i64);
                    wh_b.append_value(w as i64 + 1);
                    status_b.append_value(status.name());
                }
            } else {
                for (w, q, status) in rows {
                    pid_b.append_value(pid as i64);
                    wh_b.append_value(w);
                    qty_b.append_value(q);
                    status_b.append_value(status);
                }
            }
        }
        if planted {
            RecordBatch::try_new(
                planted_status_schema(),
                vec![
                    Arc::new(pid_b.finish()) as ArrayRef,
                    Arc::new(wh_b.finish()),
                    Arc::new(status_b.finish()),
                ],
            )
        } else {
            RecordBatch::try_new(
                inventory_schema(),
                vec![
                    Arc::new(pid_b.finish()) as ArrayRef,
                    Arc::new(wh_b.finish()),
                    Arc::new(qty_b.finish()),
                    Arc::new(status_b.finish()),
                ],
            )
        }
    }

    /// Order lines of days `first_day..end_day`, ids starting at `first_id`.
    fn orders_batch(
        &self,
        first_day: i32,
        end_day: i32,
        first_id: i64,
    ) -> Result<RecordBatch, ArrowError> {
        let mut id_b = Int64Builder::new();
        let mut pid_b = Int64Builder::new();
        let mut date_b = Date32Builder::new();
        let mut qty_b = Int64Builder::new();
        let mut next_id = first_id;
        for day in first_day..end_day {
            self.day_orders(day, |i, q| {
                id_b.append_value(next_id);
                next_id += 1;
                pid_b.append_value(i as i64 + 1);
                date_b.append_value(FIRST_DAY + day);
                qty_b.append_value(q);
            });
        }
        RecordBatch::try_new(
            orders_schema(),
            vec![
                Arc::new(id_b.finish()) as ArrayRef,
                Arc::new(pid_b.finish()),
                Arc::new(date_b.finish()),
                Arc::new(qty_b.finish()),
            ],
        )
    }

    fn shipments_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = (last + 1 - first) as usize;
        let mut id_b = Int64Builder::with_capacity(n);
        let mut sup_b = Int64Builder::with_capacity(n);
        let mut pid_b = Int64Builder::with_capacity(n);
        let mut exp_b = Date32Builder::with_capacity(n);
        let mut del_b = Date32Builder::with_capacity(n);
        let mut qual_b = Float64Builder::with_capacity(n);
        for sid in first..=last {
            let mut rng = sub_rng(self.seed, tag::SC_SHIPMENT, sid);
            let si = rng.random_range(0..SUPPLIERS);
            let s = &self.suppliers[si];
            let cat = s.categories[rng.random_range(0..s.categories.len())];
            let members = &self.by_category[cat];
            let product = members[rng.random_range(0..members.len())];
            // Leave room for the latest delivery before the last order day.
            let expected = FIRST_DAY + rng.random_range(0..DAYS - 20);
            let delay = if rng.random_bool(s.on_time_probability) {
                -rng.random_range(0..=2)
            } else {
                let (lo, hi) = s.delay_range();
                rng.random_range(lo..=hi) as i32
            };
            let quality = (s.quality + rng.random_range(-0.6..0.6)).clamp(1.0, 5.0);
            id_b.append_value(sid as i64);
            sup_b.append_value(si as i64 + 1);
            pid_b.append_value(product as i64 + 1);
            exp_b.append_value(expected);
            del_b.append_value(expected + delay);
            qual_b.append_value((quality * 10.0).round() / 10.0);
        }
        RecordBatch::try_new(
            shipments_schema(),
            vec![
                Arc::new(id_b.finish()) as ArrayRef,
                Arc::new(sup_b.finish()),
                Arc::new(pid_b.finish()),
                Arc::new(exp_b.finish()),
                Arc::new(del_b.finish()),
                Arc::new(qual_b.finish()),
            ],
        )
    }

    /// Expected monthly units of products `first..=last` for the history and
    /// [`FUTURE_MONTHS`] months after it.
    fn demand_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let months = DAYS_MONTHS + FUTURE_MONTHS;
        let mut pid_b = Int64Builder::new();
        let mut month_b = Date32Builder::new();
        let mut demand_b = Float64Builder::new();
        for pid in first..=last {
            let p = &self.products[pid as usize - 1];
            for m in 0..months {
                let (start, end) = (month_start(m), month_start(m + 1));
                let units: f64 = (start..end)
                    .map(|d| p.order_rate(d - FIRST_DAY) * p.qty_mean as f64)
                    .sum();
                pid_b.append_value(pid as i64);
                month_b.append_value(start);
                demand_b.append_value(units);
            }
        }
        RecordBatch::try_new(
            demand_schema(),
            vec![
                Arc::new(pid_b.finish()) as ArrayRef,
                Arc::new(month_b.finish()),
                Arc::new(demand_b.finish()),
            ],
        )
    }
}

/// Calendar months of order history (2022-01 ..= 2024-12).
const DAYS_MONTHS: i32 = 36;

/// Batches of whole days of orders, closed once they hold [`BATCH_ROWS`] lines.
struct OrdersIter {
    ctx: Arc<SupplyChain>,
    next_day: i32,
    next_id: i64,
}

impl Iterator for OrdersIter {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_day >= DAYS {
            return None;
        }
        // Days per batch from the expected lines a day (about 0.5 per product).
        let per_day = (self.ctx.products.len() as f64 * 0.5).max(1.0);
        let days = ((BATCH_ROWS as f64 / per_day) as i32).clamp(1, DAYS);
        let end = (self.next_day + days).min(DAYS);
        let batch = self.ctx.orders_batch(self.next_day, end, self.next_id);
        if let Ok(b) = &batch {
            self.next_id += b.num_rows() as i64;
        }
        self.next_day = end;
        Some(batch)
    }
}

fn products_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, true),
        Field::new("product_name", DataType::Utf8, true),
        Field::new("product_category", DataType::Utf8, true),
        Field::new("lead_time", DataType::Int64, true),
        Field::new("unit_cost", DataType::Float64, true),
    ]))
}

fn suppliers_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("supplier_id", DataType::Int64, true),
        Field::new("supplier_name", DataType::Utf8, true),
        Field::new("country", DataType::Utf8, true),
    ]))
}

fn inventory_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, true),
        Field::new("warehouse_id", DataType::Int64, true),
        Field::new("quantity", DataType::Int64, true),
        Field::new("status", DataType::Utf8, true),
    ]))
}

fn orders_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, true),
        Field::new("product_id", DataType::Int64, true),
        Field::new("order_date", DataType::Date32, true),
        Field::new("quantity", DataType::Int64, true),
    ]))
}

fn shipments_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("shipment_id", DataType::Int64, true),
        Field::new("supplier_id", DataType::Int64, true),
        Field::new("product_id", DataType::Int64, true),
        Field::new("expected_delivery_date", DataType::Date32, true),
        Field::new("delivery_date", DataType::Date32, true),
        Field::new("quality_rating", DataType::Float64, true),
    ]))
}

fn late_suppliers_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("supplier_id", DataType::Int64, true),
        Field::new("supplier_name", DataType::Utf8, true),
        Field::new("on_time_probability", DataType::Float64, true),
        Field::new("expected_delay_days", DataType::Float64, true),
    ]))
}

fn planted_status_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, true),
        Field::new("warehouse_id", DataType::Int64, true),
        Field::new("expected_status", DataType::Utf8, true),
    ]))
}

fn demand_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, true),
        Field::new("month", DataType::Date32, true),
        Field::new("expected_demand", DataType::Float64, true),
    ]))
}

/// Product-id chunks small enough for bounded batches of per-product rows.
fn product_chunks(ctx: &Arc<SupplyChain>, rows_per_product: u64) -> Vec<(u64, u64)> {
    let per_chunk = (BATCH_ROWS as u64 / rows_per_product.max(1)).max(1);
    id_chunks(ctx.products.len() as u64, per_chunk).collect()
}

/// A batch iterator over product chunks.
fn per_product<F>(ctx: &Arc<SupplyChain>, rows_per_product: u64, batch: F) -> BatchIter
where
    F: Fn(&SupplyChain, u64, u64) -> Result<RecordBatch, ArrowError> + Send + 'static,
{
    let ctx = Arc::clone(ctx);
    let chunks = product_chunks(&ctx, rows_per_product);
    Box::new(
        chunks
            .into_iter()
            .map(move |(first, last)| batch(&ctx, first, last)),
    )
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_supply_chain(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    progress("preparing supply chain model (products, suppliers, 90-day demand)");
    let ctx = Arc::new(SupplyChain::new(seed, scale)?);
    let n = ctx.products.len() as u64;
    let mut written = Vec::new();

    let c = Arc::clone(&ctx);
    let rows = write_delta(
        "sc_products",
        &root.join("sc_products"),
        products_schema(),
        n,
        move || per_product(&c, 1, |ctx, a, b| ctx.products_batch(a, b)),
        progress,
    )
    .await?;
    written.push(("sc_products".to_string(), rows));

    let c = Arc::clone(&ctx);
    let rows = write_delta(
        "suppliers",
        &root.join("suppliers"),
        suppliers_schema(),
        SUPPLIERS as u64,
        move || -> BatchIter { Box::new(std::iter::once(c.suppliers_batch())) },
        progress,
    )
    .await?;
    written.push(("suppliers".to_string(), rows));

    let c = Arc::clone(&ctx);
    let rows = write_delta(
        "sc_inventory",
        &root.join("sc_inventory"),
        inventory_schema(),
        n * WAREHOUSES as u64 * 3,
        move || per_product(&c, 20, |ctx, a, b| ctx.inventory_batch(a, b, false)),
        progress,
    )
    .await?;
    written.push(("sc_inventory".to_string(), rows));

    let c = Arc::clone(&ctx);
    let rows = write_delta(
        "sc_orders",
        &root.join("sc_orders"),
        orders_schema(),
        ctx.expected_orders(),
        move || -> BatchIter {
            Box::new(OrdersIter {
                ctx: Arc::clone(&c),
                next_day: 0,
                next_id: 1,
            })
        },
        progress,
    )
    .await?;
    written.push(("sc_orders".to_string(), rows));

    let c = Arc::clone(&ctx);
    let shipments = n * SHIPMENTS_PER_PRODUCT;
    let rows = write_delta(
        "sc_shipments",
        &root.join("sc_shipments"),
        shipments_schema(),
        shipments,
        move || -> BatchIter {
            let c = Arc::clone(&c);
            Box::new(
                id_chunks(shipments, BATCH_ROWS as u64).map(move |(a, b)| c.shipments_batch(a, b)),
            )
        },
        progress,
    )
    .await?;
    written.push(("sc_shipments".to_string(), rows));

    let c = Arc::clone(&ctx);
    let rows = write_delta(
        "planted_late_suppliers",
        &root.join("planted_late_suppliers"),
        late_suppliers_schema(),
        LATE_SUPPLIERS as u64,
        move || -> BatchIter { Box::new(std::iter::once(c.late_suppliers_batch())) },
        progress,
    )
    .await?;
    written.push(("planted_late_suppliers".to_string(), rows));

    let c = Arc::clone(&ctx);
    let rows = write_delta(
        "planted_stock_status",
        &root.join("planted_stock_status"),
        planted_status_schema(),
        n * WAREHOUSES as u64,
        move || per_product(&c, 20, |ctx, a, b| ctx.inventory_batch(a, b, true)),
        progress,
    )
    .await?;
    written.push(("planted_stock_status".to_string(), rows));

    let c = Arc::clone(&ctx);
    let months = (DAYS_MONTHS + FUTURE_MONTHS) as u64;
    let rows = write_delta(
        "planted_sc_demand",
        &root.join("planted_sc_demand"),
        demand_schema(),
        n * months,
        move || per_product(&c, months, |ctx, a, b| ctx.demand_batch(a, b)),
        progress,
    )
    .await?;
    written.push(("planted_sc_demand".to_string(), rows));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_constants_agree() {
        assert_eq!(month_start(0), FIRST_DAY);
        assert_eq!(month_start(DAYS_MONTHS), FIRST_DAY + DAYS);
        assert_eq!(month_start(12), FIRST_DAY + 365);
        assert_eq!(month_start(-1), FIRST_DAY - 31);
    }

    #[test]
    fn every_category_has_punctual_and_products() {
        for seed in 0..20 {
            let ctx = SupplyChain::new(seed, 1).unwrap();
            assert_eq!(
                ctx.suppliers.iter().filter(|s| s.late).count(),
                LATE_SUPPLIERS
            );
            for c in 0..CATEGORIES.len() {
                let punctual = ctx
                    .suppliers
                    .iter()
                    .filter(|s| !s.late && s.categories.contains(&c))
                    .count();
                assert!(punctual >= MIN_PUNCTUAL_PER_CATEGORY, "seed {seed} cat {c}");
                assert!(!ctx.by_category[c].is_empty());
            }
        }
    }

    /// The planted stock lies inside its band with margin, and the planted mix is
    /// kept (fallbacks are rare).
    #[test]
    fn planted_stock_is_inside_its_band() {
        let ctx = SupplyChain::new(7, 1).unwrap();
        let mut counts = std::collections::HashMap::new();
        for p in 0..ctx.products.len() {
            let (rows, statuses) = ctx.inventory_of(p);
            let (a, s) = ctx.window_stats[p];
            assert!(a > 0.0);
            let lead = ctx.products[p].lead_time as f64;
            let safety = 2.0 * a + 1.96 * s * lead.sqrt();
            let reorder = safety + a * lead;
            for (w, status) in statuses.iter().enumerate() {
                let available: i64 = rows
                    .iter()
                    .filter(|r| r.0 == w as i64 + 1 && r.2 == "available")
                    .map(|r| r.1)
                    .sum();
                let x = available as f64;
                let classified = if x <= safety {
                    StockStatus::Critical
                } else if x <= reorder {
                    StockStatus::Reorder
                } else if x / a > 90.0 {
                    StockStatus::Overstocked
                } else {
                    StockStatus::Optimal
                };
                assert_eq!(classified, *status, "product {p} warehouse {w}");
                *counts.entry(status.name()).or_insert(0) += 1;
            }
        }
        assert!(counts["CRITICAL"] >= 5, "{counts:?}");
        assert!(counts["REORDER"] >= 10, "{counts:?}");
        assert!(counts["OVERSTOCKED"] >= 10, "{counts:?}");
    }

    #[test]
    fn orders_end_on_the_last_day_and_are_deterministic() {
        let ctx = SupplyChain::new(3, 1).unwrap();
        let a = ctx.orders_batch(DAYS - 1, DAYS, 1).unwrap();
        assert!(a.num_rows() > 50);
        let again = SupplyChain::new(3, 1).unwrap();
        assert_eq!(again.orders_batch(DAYS - 1, DAYS, 1).unwrap(), a);
    }
}
