//! Data quality sample tables for scenario 11 (data quality monitoring): two Delta
//! tables with defects planted at exact counts, the ground truth `dq_planted_defects`,
//! and the rules file `data_quality_rules.json` (the seed's format) that checks them.
//!
//! # What is planted
//!
//! `dq_customers` (customer_id, email, age, country, signup_date): `2000 × scale`
//! customers with ids `1..=n`, plus `n / 100` extra rows that repeat existing ids (one id
//! three times when there are at least two extra rows), so `total - distinct ids` is
//! exactly the number of extra rows. Over all rows: 2 % NULL emails, 1 % malformed
//! emails (no `@`, no domain suffix, a space, `@@`, the empty string...), 0.5 % ages
//! below 18 and 0.5 % above 100, 1 % NULL ages (neither out of range nor malformed) and
//! 1 % ages exactly 18 or 100 (inside the inclusive range). Country and signup date are
//! never NULL.
//!
//! `dq_orders` (order_id, customer_id, amount, status, order_date): `10000 × scale`
//! orders with ids `1..=m` plus `m / 1000` rows repeating existing order ids. Over all
//! rows: 1 % customer ids that no customer has, 0.2 % NULL customer ids (a NULL key is
//! missing from the reference too, as Spark's left anti join counts it), 0.5 % negative
//! amounts, 0.1 % NaN amounts (a null check counts NaN, and NaN is above every number, so
//! the range check counts it as well), 0.2 % NULL amounts, 0.1 % amounts above 10000,
//! 0.1 % amounts exactly 0 or 10000 (inside the range) and 0.4 % statuses outside
//! `pending|shipped|delivered|cancelled` (`SHIPPED`, `in transit`, `pending `, the empty
//! string...).
//!
//! `data_quality_rules.json` checks both tables and names one more table,
//! `dq_inventory`, that is never written, so the run reports a `table_access` failure.
//! `dq_planted_defects` (table_name, check_type, column_name, failed_count) lists every
//! check of the rules file with the exact number of rows that must fail it (0 for the
//! checks with nothing planted; 1 for the `table_access` row of the missing table).
//!
//! Which rows carry a defect is decided by keyed affine permutations of the row numbers
//! (defect `k` goes to the rows whose permuted rank falls in its slice), so the counts
//! are exact and the defects spread over the table; every other value comes from the
//! row's own ChaCha8 sub-stream. Output depends only on `(scale, seed)`, and tables are
//! written in bounded-size batches.

use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::delta_writer::{write_delta, BatchIter, BATCH_ROWS};
use super::{id_chunks, sub_rng, GenerateError};

pub(super) const CUSTOMERS_TABLE: &str = "dq_customers";
pub(super) const ORDERS_TABLE: &str = "dq_orders";
pub(super) const DEFECTS_TABLE: &str = "dq_planted_defects";
pub(super) const RULES_FILE: &str = "data_quality_rules.json";
/// Named by the rules, never written.
const MISSING_TABLE: &str = "dq_inventory";

const CUSTOMERS_PER_SCALE: u64 = 2_000;
const ORDERS_PER_SCALE: u64 = 10_000;
const MAX_SCALE: u32 = 100_000;

/// Sub-stream tags of this group (distinct from the other groups' tags).
const TAG_LAYOUT: u64 = 1_101;
const TAG_CUSTOMER: u64 = 1_102;
const TAG_ORDER: u64 = 1_103;

/// 2020-01-01 and 2025-01-01 in days since the epoch.
const SIGNUP_START_DAY: i32 = 18_262;
const ORDER_START_DAY: i32 = 20_089;

/// The email pattern of the rules.
const EMAIL_PATTERN: &str = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$";
const STATUS_PATTERN: &str = "^(pending|shipped|delivered|cancelled)$";
const STATUSES: [&str; 4] = ["pending", "shipped", "delivered", "cancelled"];
const BAD_STATUSES: [&str; 5] = ["SHIPPED", "in transit", "", "unknown", "pending "];
const BAD_EMAILS: [&str; 7] = [
    "john.doe@example",
    "jane..doe@@mail.com",
    "no-at-sign.example.com",
    "",
    "alice@example.c",
    "bob smith@example.com",
    " carol@example.com",
];
const FIRST_NAMES: [&str; 10] = [
    "ava", "ben", "chloe", "daniel", "emma", "felix", "grace", "hugo", "isla", "jonas",
];
const LAST_NAMES: [&str; 10] = [
    "adams", "berg", "costa", "dubois", "evans", "fischer", "garcia", "hansen", "ito", "jensen",
];
const DOMAINS: [&str; 4] = ["example.com", "mail.org", "shop.co.uk", "corp.io"];
const COUNTRIES: [&str; 6] = ["US", "DE", "FR", "GB", "JP", "BR"];

/// The tables and files of the group, in write order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum QualityTable {
    Customers,
    Orders,
    Defects,
}

impl QualityTable {
    pub(super) const ALL: [QualityTable; 3] = [
        QualityTable::Customers,
        QualityTable::Orders,
        QualityTable::Defects,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            QualityTable::Customers => CUSTOMERS_TABLE,
            QualityTable::Orders => ORDERS_TABLE,
            QualityTable::Defects => DEFECTS_TABLE,
        }
    }
}

/// `i -> (a * i + b) mod n` with `gcd(a, n) = 1`: a bijection of `0..n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Affine {
    a: u64,
    b: u64,
    n: u64,
}

impl Affine {
    fn new(n: u64, rng: &mut ChaCha8Rng) -> Self {
        let n = n.max(1);
        let mut a = rng.random_range(1..n.max(2)) % n;
        while gcd(a, n) != 1 {
            a = (a + 1) % n;
        }
        Self {
            a,
            b: rng.random_range(0..n),
            n,
        }
    }

    fn apply(self, i: u64) -> u64 {
        ((u128::from(self.a) * u128::from(i) + u128::from(self.b)) % u128::from(self.n)) as u64
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Consecutive slices of permuted ranks, one per defect kind.
#[derive(Clone, Copy, Debug)]
struct Slices<const K: usize> {
    ends: [u64; K],
}

impl<const K: usize> Slices<K> {
    fn new(sizes: [u64; K]) -> Self {
        let mut acc = 0;
        Self {
            ends: sizes.map(|s| {
                acc += s;
                acc
            }),
        }
    }

    /// The slice holding `rank`, or None past the last one.
    fn of(&self, rank: u64) -> Option<usize> {
        self.ends.iter().position(|&end| rank < end)
    }

    fn size(&self, k: usize) -> u64 {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        self.ends[k] - start
    }
}

/// Customer defects, by slice.
const NULL_EMAIL: usize = 0;
const BAD_EMAIL: usize = 1;
const LOW_AGE: usize = 0;
const HIGH_AGE: usize = 1;
const NULL_AGE: usize = 2;
const EDGE_AGE: usize = 3;
/// Order defects, by slice.
const ORPHAN: usize = 0;
const NULL_CUSTOMER: usize = 1;
const NEGATIVE: usize = 0;
const NAN_AMOUNT: usize = 1;
const NULL_AMOUNT: usize = 2;
const BIG_AMOUNT: usize = 3;
const EDGE_AMOUNT: usize = 4;
const BAD_STATUS: usize = 0;

/// Everything that decides the tables: sizes, permutations and defect slices.
#[derive(Clone, Debug)]
pub(super) struct QualityContext {
    seed: u64,
    customers: u64,
    customer_rows: u64,
    customer_dups: Affine,
    email_perm: Affine,
    email: Slices<2>,
    age_perm: Affine,
    age: Slices<4>,
    orders: u64,
    order_rows: u64,
    order_dups: Affine,
    customer_ref_perm: Affine,
    customer_ref: Slices<2>,
    amount_perm: Affine,
    amount: Slices<5>,
    status_perm: Affine,
    status: Slices<1>,
}

impl QualityContext {
    pub(super) fn new(seed: u64, scale: u32) -> Result<Arc<Self>, GenerateError> {
        if scale > MAX_SCALE {
            return Err(GenerateError::ScaleTooLarge(scale));
        }
        let scale = u64::from(scale);
        let mut rng = sub_rng(seed, TAG_LAYOUT, 0);
        let customers = CUSTOMERS_PER_SCALE * scale;
        let customer_rows = customers + customers / 100;
        let orders = ORDERS_PER_SCALE * scale;
        let order_rows = orders + orders / 1000;
        let (c, o) = (customer_rows, order_rows);
        Ok(Arc::new(Self {
            seed,
            customers,
            customer_rows,
            customer_dups: Affine::new(customers, &mut rng),
            email_perm: Affine::new(c, &mut rng),
            email: Slices::new([c / 50, c / 100]),
            age_perm: Affine::new(c, &mut rng),
            age: Slices::new([c / 200, c / 200, c / 100, c / 100]),
            orders,
            order_rows,
            order_dups: Affine::new(orders, &mut rng),
            customer_ref_perm: Affine::new(o, &mut rng),
            customer_ref: Slices::new([o / 100, o / 500]),
            amount_perm: Affine::new(o, &mut rng),
            amount: Slices::new([o / 200, o / 1000, o / 500, o / 1000, o / 1000]),
            status_perm: Affine::new(o, &mut rng),
            status: Slices::new([o / 250]),
        }))
    }

    /// Every check of the rules file with its threshold and the exact number of rows
    /// that fail it: (table, check type, column, threshold, failed).
    fn checks(&self) -> Vec<(&'static str, &'static str, Option<&'static str>, f64, u64)> {
        let (c, o) = (CUSTOMERS_TABLE, ORDERS_TABLE);
        let customer_dups = self.customer_rows - self.customers;
        let order_dups = self.order_rows - self.orders;
        let amount = |k: usize| self.amount.size(k);
        vec![
            (c, "null_check", Some("customer_id"), 0.0, 0),
            (
                c,
                "null_check",
                Some("email"),
                1.0,
                self.email.size(NULL_EMAIL),
            ),
            (c, "null_check", Some("age"), 2.0, self.age.size(NULL_AGE)),
            (c, "null_check", Some("country"), 0.0, 0),
            (
                c,
                "uniqueness_check",
                Some("customer_id"),
                0.0,
                customer_dups,
            ),
            (
                c,
                "range_check",
                Some("age"),
                2.0,
                self.age.size(LOW_AGE) + self.age.size(HIGH_AGE),
            ),
            (
                c,
                "pattern_check",
                Some("email"),
                0.5,
                self.email.size(BAD_EMAIL),
            ),
            (o, "null_check", Some("order_id"), 0.0, 0),
            (
                o,
                "null_check",
                Some("customer_id"),
                0.5,
                self.customer_ref.size(NULL_CUSTOMER),
            ),
            (
                o,
                "null_check",
                Some("amount"),
                0.1,
                amount(NAN_AMOUNT) + amount(NULL_AMOUNT),
            ),
            (o, "uniqueness_check", Some("order_id"), 0.0, order_dups),
            (
                o,
                "range_check",
                Some("amount"),
                1.0,
                amount(NEGATIVE) + amount(NAN_AMOUNT) + amount(BIG_AMOUNT),
            ),
            (
                o,
                "pattern_check",
                Some("status"),
                0.1,
                self.status.size(BAD_STATUS),
            ),
            (
                o,
                "referential_check",
                Some("customer_id"),
                0.5,
                self.customer_ref.size(ORPHAN) + self.customer_ref.size(NULL_CUSTOMER),
            ),
            (MISSING_TABLE, "table_access", None, 0.0, 1),
        ]
    }

    /// The rules file (the seed's format) for [`Self::checks`].
    pub(super) fn rules_json(&self) -> String {
        let checks = self.checks();
        let threshold = |table: &str, check: &str, column: &str| {
            checks
                .iter()
                .find(|c| c.0 == table && c.1 == check && c.2 == Some(column))
                .map_or(0.0, |c| c.3)
        };
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let (c, o) = (CUSTOMERS_TABLE, ORDERS_TABLE);
        format!(
            r#"{{
  "{c}": {{
    "null_checks": {{"customer_id": {}, "email": {}, "age": {}, "country": {}}},
    "uniqueness_checks": {{"customer_id": {}}},
    "range_checks": {{"age": {{"min": 18, "max": 100, "threshold": {}}}}},
    "pattern_checks": {{"email": {{"pattern": {}, "threshold": {}}}}}
  }},
  "{o}": {{
    "null_checks": {{"order_id": {}, "customer_id": {}, "amount": {}}},
    "uniqueness_checks": {{"order_id": {}}},
    "range_checks": {{"amount": {{"min": 0, "max": 10000, "threshold": {}}}}},
    "pattern_checks": {{"status": {{"pattern": {}, "threshold": {}}}}},
    "referential_checks": [
      {{"source_column": "customer_id", "reference_table": "{c}", "reference_column": "customer_id", "threshold": {}}}
    ]
  }},
  "{MISSING_TABLE}": {{
    "null_checks": {{"sku": 0.0}},
    "range_checks": {{"quantity": {{"min": 0, "threshold": 0.0}}}}
  }}
}}
"#,
            threshold(c, "null_check", "customer_id"),
            threshold(c, "null_check", "email"),
            threshold(c, "null_check", "age"),
            threshold(c, "null_check", "country"),
            threshold(c, "uniqueness_check", "customer_id"),
            threshold(c, "range_check", "age"),
            quote(EMAIL_PATTERN),
            threshold(c, "pattern_check", "email"),
            threshold(o, "null_check", "order_id"),
            threshold(o, "null_check", "customer_id"),
            threshold(o, "null_check", "amount"),
            threshold(o, "uniqueness_check", "order_id"),
            threshold(o, "range_check", "amount"),
            quote(STATUS_PATTERN),
            threshold(o, "pattern_check", "status"),
            threshold(o, "referential_check", "customer_id"),
        )
    }

    /// Writes the rules file; returns its number of checks.
    pub(super) fn write_rules(
        &self,
        path: &Path,
        progress: &dyn Fn(&str),
    ) -> Result<u64, GenerateError> {
        std::fs::write(path, self.rules_json())?;
        let checks = self.checks().len() as u64;
        progress(&format!("{RULES_FILE}: {checks} checks written"));
        Ok(checks)
    }

    pub(super) async fn write_table(
        self: &Arc<Self>,
        table: QualityTable,
        location: &Path,
        progress: &dyn Fn(&str),
    ) -> Result<u64, GenerateError> {
        let name = table.name();
        let ctx = Arc::clone(self);
        match table {
            QualityTable::Customers => {
                let rows = self.customer_rows;
                let factory = move || -> BatchIter {
                    let ctx = Arc::clone(&ctx);
                    Box::new(
                        id_chunks(rows, BATCH_ROWS as u64)
                            .map(move |(first, last)| ctx.customers_batch(first - 1, last)),
                    )
                };
                write_delta(name, location, customers_schema(), rows, factory, progress).await
            }
            QualityTable::Orders => {
                let rows = self.order_rows;
                let factory = move || -> BatchIter {
                    let ctx = Arc::clone(&ctx);
                    Box::new(
                        id_chunks(rows, BATCH_ROWS as u64)
                            .map(move |(first, last)| ctx.orders_batch(first - 1, last)),
                    )
                };
                write_delta(name, location, orders_schema(), rows, factory, progress).await
            }
            QualityTable::Defects => {
                let rows = self.checks().len() as u64;
                let factory =
                    move || -> BatchIter { Box::new(std::iter::once(ctx.defects_batch())) };
                write_delta(name, location, defects_schema(), rows, factory, progress).await
            }
        }
    }

    /// Customer id of row `r`: `r + 1`, or for the extra rows an existing id.
    fn customer_id(&self, r: u64) -> u64 {
        if r < self.customers {
            return r + 1;
        }
        let extra = self.customer_rows - self.customers;
        let mut j = r - self.customers;
        // The last extra row repeats the first one's id: that id appears three times.
        if extra >= 2 && j == extra - 1 {
            j = 0;
        }
        self.customer_dups.apply(j) + 1
    }

    /// Customer rows `start..end` (0-based).
    fn customers_batch(&self, start: u64, end: u64) -> Result<RecordBatch, ArrowError> {
        let n = end.saturating_sub(start) as usize;
        let mut id_b = Int64Builder::with_capacity(n);
        let mut email_b = StringBuilder::with_capacity(n, n * 24);
        let mut age_b = Int32Builder::with_capacity(n);
        let mut country_b = StringBuilder::with_capacity(n, n * 2);
        let mut signup_b = Date32Builder::with_capacity(n);
        for r in start..end {
            let mut rng = sub_rng(self.seed, TAG_CUSTOMER, r);
            id_b.append_value(self.customer_id(r) as i64);
            let email_rank = self.email_perm.apply(r);
            match self.email.of(email_rank) {
                Some(NULL_EMAIL) => email_b.append_null(),
                Some(_) => {
                    email_b.append_value(BAD_EMAILS[(email_rank as usize) % BAD_EMAILS.len()])
                }
                None => {
                    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
                    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
                    let domain = DOMAINS[rng.random_range(0..DOMAINS.len())];
                    email_b.append_value(format!("{first}.{last}{r}@{domain}"));
                }
            }
            let age_rank = self.age_perm.apply(r);
            match self.age.of(age_rank) {
                Some(LOW_AGE) => age_b.append_value(rng.random_range(5..=17)),
                Some(HIGH_AGE) => age_b.append_value(rng.random_range(101..=120)),
                Some(NULL_AGE) => age_b.append_null(),
                Some(EDGE_AGE) => {
                    age_b.append_value(if age_rank.is_multiple_of(2) { 18 } else { 100 })
                }
                Some(_) | None => age_b.append_value(rng.random_range(19..=99)),
            }
            country_b.append_value(COUNTRIES[rng.random_range(0..COUNTRIES.len())]);
            signup_b.append_value(SIGNUP_START_DAY + rng.random_range(0..1_800));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(email_b.finish()),
            Arc::new(age_b.finish()),
            Arc::new(country_b.finish()),
            Arc::new(signup_b.finish()),
        ];
        RecordBatch::try_new(customers_schema(), columns)
    }

    /// Order rows `start..end` (0-based).
    fn orders_batch(&self, start: u64, end: u64) -> Result<RecordBatch, ArrowError> {
        let n = end.saturating_sub(start) as usize;
        let mut id_b = Int64Builder::with_capacity(n);
        let mut customer_b = Int64Builder::with_capacity(n);
        let mut amount_b = Float64Builder::with_capacity(n);
        let mut status_b = StringBuilder::with_capacity(n, n * 9);
        let mut date_b = Date32Builder::with_capacity(n);
        for r in start..end {
            let mut rng = sub_rng(self.seed, TAG_ORDER, r);
            let order_id = if r < self.orders {
                r + 1
            } else {
                self.order_dups.apply(r - self.orders) + 1
            };
            id_b.append_value(order_id as i64);
            let ref_rank = self.customer_ref_perm.apply(r);
            match self.customer_ref.of(ref_rank) {
                // Ids above every customer id.
                Some(ORPHAN) => customer_b.append_value((self.customers + 1 + ref_rank) as i64),
                Some(_) => customer_b.append_null(),
                None => customer_b.append_value(rng.random_range(1..=self.customers) as i64),
            }
            let amount_rank = self.amount_perm.apply(r);
            let cents =
                |rng: &mut ChaCha8Rng, lo: i64, hi: i64| rng.random_range(lo..=hi) as f64 / 100.0;
            match self.amount.of(amount_rank) {
                Some(NEGATIVE) => amount_b.append_value(-cents(&mut rng, 1, 50_000)),
                Some(NAN_AMOUNT) => amount_b.append_value(f64::NAN),
                Some(NULL_AMOUNT) => amount_b.append_null(),
                Some(BIG_AMOUNT) => amount_b.append_value(cents(&mut rng, 1_000_001, 5_000_000)),
                Some(EDGE_AMOUNT) => amount_b.append_value(if amount_rank.is_multiple_of(2) {
                    0.0
                } else {
                    10_000.0
                }),
                Some(_) | None => amount_b.append_value(cents(&mut rng, 1, 500_000)),
            }
            let status_rank = self.status_perm.apply(r);
            match self.status.of(status_rank) {
                Some(_) => {
                    status_b.append_value(BAD_STATUSES[(status_rank as usize) % BAD_STATUSES.len()])
                }
                None => status_b.append_value(STATUSES[rng.random_range(0..STATUSES.len())]),
            }
            date_b.append_value(ORDER_START_DAY + rng.random_range(0..365));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(customer_b.finish()),
            Arc::new(amount_b.finish()),
            Arc::new(status_b.finish()),
            Arc::new(date_b.finish()),
        ];
        RecordBatch::try_new(orders_schema(), columns)
    }

    fn defects_batch(&self) -> Result<RecordBatch, ArrowError> {
        let checks = self.checks();
        let mut table_b = StringBuilder::new();
        let mut check_b = StringBuilder::new();
        let mut column_b = StringBuilder::new();
        let mut failed_b = Int64Builder::new();
        for (table, check, column, _, failed) in checks {
            table_b.append_value(table);
            check_b.append_value(check);
            column_b.append_option(column);
            failed_b.append_value(failed as i64);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(table_b.finish()),
            Arc::new(check_b.finish()),
            Arc::new(column_b.finish()),
            Arc::new(failed_b.finish()),
        ];
        RecordBatch::try_new(defects_schema(), columns)
    }
}

fn customers_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, true),
        Field::new("email", DataType::Utf8, true),
        Field::new("age", DataType::Int32, true),
        Field::new("country", DataType::Utf8, true),
        Field::new("signup_date", DataType::Date32, true),
    ]))
}

fn orders_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, true),
        Field::new("customer_id", DataType::Int64, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("status", DataType::Utf8, true),
        Field::new("order_date", DataType::Date32, true),
    ]))
}

fn defects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("table_name", DataType::Utf8, true),
        Field::new("check_type", DataType::Utf8, true),
        Field::new("column_name", DataType::Utf8, true),
        Field::new("failed_count", DataType::Int64, true),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::{Array, AsArray};
    use deltalake::arrow::datatypes::{Float64Type, Int32Type, Int64Type};
    use std::collections::HashMap;

    #[test]
    fn affine_maps_are_permutations() {
        let mut rng = sub_rng(3, TAG_LAYOUT, 9);
        for n in [1, 2, 10, 97, 1000, 2020] {
            let p = Affine::new(n, &mut rng);
            let mut seen: Vec<u64> = (0..n).map(|i| p.apply(i)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    /// The planted counts are what a direct count of the generated rows finds, with the
    /// checks' semantics written out by hand.
    #[test]
    fn planted_counts_match_the_rows() {
        let email_re = regex::Regex::new(EMAIL_PATTERN).unwrap();
        let status_re = regex::Regex::new(STATUS_PATTERN).unwrap();
        for (seed, scale) in [(7, 1), (1, 2)] {
            let ctx = QualityContext::new(seed, scale).unwrap();
            let planted: HashMap<(String, String), u64> = ctx
                .checks()
                .into_iter()
                .map(|(t, c, col, _, n)| ((t.to_string(), format!("{c}:{}", col.unwrap_or(""))), n))
                .collect();
            let get = |t: &str, c: &str| planted[&(t.to_string(), c.to_string())];

            let customers = ctx.customers_batch(0, ctx.customer_rows).unwrap();
            let ids = customers.column(0).as_primitive::<Int64Type>();
            let emails = customers.column(1).as_string::<i32>();
            let ages = customers.column(2).as_primitive::<Int32Type>();
            let distinct: std::collections::HashSet<i64> = ids.iter().flatten().collect();
            assert_eq!(ids.null_count(), 0);
            assert_eq!(
                (ids.len() - distinct.len()) as u64,
                get(CUSTOMERS_TABLE, "uniqueness_check:customer_id")
            );
            assert_eq!(
                emails.null_count() as u64,
                get(CUSTOMERS_TABLE, "null_check:email")
            );
            let bad = emails
                .iter()
                .flatten()
                .filter(|e| !email_re.is_match(e))
                .count();
            assert_eq!(bad as u64, get(CUSTOMERS_TABLE, "pattern_check:email"));
            assert_eq!(
                ages.null_count() as u64,
                get(CUSTOMERS_TABLE, "null_check:age")
            );
            let out = ages
                .iter()
                .flatten()
                .filter(|a| !(18..=100).contains(a))
                .count();
            assert_eq!(out as u64, get(CUSTOMERS_TABLE, "range_check:age"));
            assert!(
                ages.iter().flatten().any(|a| a == 18) && ages.iter().flatten().any(|a| a == 100)
            );

            let orders = ctx.orders_batch(0, ctx.order_rows).unwrap();
            let order_ids = orders.column(0).as_primitive::<Int64Type>();
            let refs = orders.column(1).as_primitive::<Int64Type>();
            let amounts = orders.column(2).as_primitive::<Float64Type>();
            let statuses = orders.column(3).as_string::<i32>();
            let distinct: std::collections::HashSet<i64> = order_ids.iter().flatten().collect();
            assert_eq!(
                (order_ids.len() - distinct.len()) as u64,
                get(ORDERS_TABLE, "uniqueness_check:order_id")
            );
            assert_eq!(
                refs.null_count() as u64,
                get(ORDERS_TABLE, "null_check:customer_id")
            );
            let customer_ids: std::collections::HashSet<i64> = ids.iter().flatten().collect();
            let missing = refs
                .iter()
                .filter(|r| r.is_none_or(|id| !customer_ids.contains(&id)))
                .count();
            assert_eq!(
                missing as u64,
                get(ORDERS_TABLE, "referential_check:customer_id")
            );
            let null_or_nan = amounts.iter().filter(|a| a.is_none_or(f64::is_nan)).count();
            assert_eq!(null_or_nan as u64, get(ORDERS_TABLE, "null_check:amount"));
            // NaN is above every number (Spark's and Arrow's float ordering).
            let out = amounts
                .iter()
                .flatten()
                .filter(|a| a.is_nan() || *a < 0.0 || *a > 10_000.0)
                .count();
            assert_eq!(out as u64, get(ORDERS_TABLE, "range_check:amount"));
            let bad = statuses
                .iter()
                .flatten()
                .filter(|s| !status_re.is_match(s))
                .count();
            assert_eq!(bad as u64, get(ORDERS_TABLE, "pattern_check:status"));
            assert!(get(ORDERS_TABLE, "pattern_check:status") > 0);
        }
    }

    #[test]
    fn batches_do_not_depend_on_chunking() {
        let ctx = QualityContext::new(5, 1).unwrap();
        for (whole, a, b) in [
            (
                ctx.orders_batch(0, 300),
                ctx.orders_batch(0, 120),
                ctx.orders_batch(120, 300),
            ),
            (
                ctx.customers_batch(1990, 2020),
                ctx.customers_batch(1990, 2001),
                ctx.customers_batch(2001, 2020),
            ),
        ] {
            let whole = whole.unwrap();
            let joined = deltalake::arrow::compute::concat_batches(
                &whole.schema(),
                &[a.unwrap(), b.unwrap()],
            )
            .unwrap();
            assert_eq!(whole, joined);
        }
    }

    #[test]
    fn rules_file_is_valid_json_listing_every_table() {
        let ctx = QualityContext::new(7, 1).unwrap();
        let rules: serde_json::Value = serde_json::from_str(&ctx.rules_json()).unwrap();
        let tables: Vec<&String> = rules
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(tables.len(), 3);
        assert_eq!(
            rules[CUSTOMERS_TABLE]["pattern_checks"]["email"]["pattern"],
            EMAIL_PATTERN
        );
        assert_eq!(
            rules[ORDERS_TABLE]["range_checks"]["amount"]["threshold"],
            1.0
        );
    }
}
