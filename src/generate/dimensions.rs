//! Customer dimension sources for seed scenario 12 (SCD type 2): an initial snapshot
//! and two update batches, with the ground truth of what each batch changes.
//!
//! Tables (customer_id, name, email, phone, address, customer_segment, credit_score):
//! - `customer_updates_initial`: customers `1..=n` (n = 1000 × scale); a tenth have no
//!   phone (NULL), so later batches can change NULL to a value;
//! - `customer_updates_batch1`, `customer_updates_batch2`: each lists some existing
//!   customers (a third of them changed in one tracked column, the rest unchanged) and
//!   some new customers. Batch 2 changes again most customers batch 1 changed, and
//!   clears some phones (a value to NULL);
//! - `planted_customer_changes` (batch, customer_id, kind, changed_column): for every
//!   row of each batch, `new`, `changed` (with the column) or `unchanged`, as computed
//!   against the current state of the dimension after the previous batches.
//!
//! Everything is small and built in memory from one random stream per batch.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::Rng;

use super::delta_writer::write_batch;
use super::{sub_rng, tag, GenerateError};

/// Tables of this group, in generation order.
pub(super) const TABLES: [&str; 4] = [
    "customer_updates_initial",
    "customer_updates_batch1",
    "customer_updates_batch2",
    "planted_customer_changes",
];

const SEGMENTS: [&str; 4] = ["bronze", "silver", "gold", "platinum"];
const STREETS: [&str; 6] = [
    "Oak St", "Main St", "Pine Ave", "Lake Rd", "Hill Dr", "Elm Ct",
];
const FIRST: [&str; 8] = ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"];
const LAST: [&str; 6] = ["Smith", "Jones", "Lee", "Brown", "Garcia", "Khan"];

#[derive(Debug, Clone, PartialEq)]
struct Customer {
    id: i64,
    name: String,
    email: String,
    phone: Option<String>,
    address: String,
    segment: String,
    credit_score: i32,
}

impl Customer {
    fn new(rng: &mut impl Rng, id: i64) -> Customer {
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        Customer {
            id,
            name: format!("{first} {last}"),
            email: format!(
                "{}.{}{id}@example.com",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            phone: (!rng.random_bool(0.1)).then(|| phone(rng)),
            address: address(rng),
            segment: SEGMENTS[rng.random_range(0..SEGMENTS.len())].to_string(),
            credit_score: rng.random_range(300..=850),
        }
    }

    /// Changes one tracked column; returns its name. `clear_phone` prefers a value ->
    /// NULL change; a missing phone is filled in first (NULL -> value).
    fn change(&mut self, rng: &mut impl Rng, clear_phone: bool) -> &'static str {
        if self.phone.is_none() {
            self.phone = Some(phone(rng));
            return "phone";
        }
        if clear_phone {
            self.phone = None;
            return "phone";
        }
        match rng.random_range(0..4) {
            0 => {
                self.email = loop {
                    let e = format!("c{}.{}@example.org", self.id, rng.random_range(0..1000));
                    if e != self.email {
                        break e;
                    }
                };
                "email"
            }
            1 => {
                self.address = loop {
                    let a = address(rng);
                    if a != self.address {
                        break a;
                    }
                };
                "address"
            }
            2 => {
                let next = SEGMENTS
                    .iter()
                    .position(|s| *s == self.segment)
                    .map_or(0, |i| (i + 1) % SEGMENTS.len());
                self.segment = SEGMENTS[next].to_string();
                "customer_segment"
            }
            _ => {
                self.credit_score = if self.credit_score >= 800 {
                    self.credit_score - 50
                } else {
                    self.credit_score + 25
                };
                "credit_score"
            }
        }
    }
}

fn phone(rng: &mut impl Rng) -> String {
    format!("+1-555-{:04}", rng.random_range(0..10_000))
}

fn address(rng: &mut impl Rng) -> String {
    format!(
        "{} {}",
        rng.random_range(1..999),
        STREETS[rng.random_range(0..STREETS.len())]
    )
}

/// One planted change.
struct Planted {
    batch: i32,
    id: i64,
    kind: &'static str,
    column: Option<&'static str>,
}

/// The three source tables and the ground truth.
struct Dimensions {
    batches: [Vec<Customer>; 3],
    planted: Vec<Planted>,
}

fn simulate(seed: u64, scale: u32) -> Dimensions {
    let n = 1000 * i64::from(scale);
    let mut rng = sub_rng(seed, tag::DIMENSION, 0);
    let mut current: BTreeMap<i64, Customer> = BTreeMap::new();
    let initial: Vec<Customer> = (1..=n).map(|id| Customer::new(&mut rng, id)).collect();
    for c in &initial {
        current.insert(c.id, c.clone());
    }
    let mut planted = Vec::new();
    let mut changed_in_batch1 = Vec::new();
    let mut next_id = n + 1;
    let mut batches = [initial, Vec::new(), Vec::new()];
    for batch in 1..=2 {
        let mut rng = sub_rng(seed, tag::DIMENSION, batch as u64);
        let mut rows = Vec::new();
        for id in 1..next_id {
            let Some(existing) = current.get(&id) else {
                continue;
            };
            let again = batch == 2 && changed_in_batch1.contains(&id);
            let included = again || rng.random_bool(0.4);
            if !included {
                continue;
            }
            let mut row = existing.clone();
            if again && rng.random_bool(0.8) || !again && rng.random_bool(0.33) {
                let clear_phone = batch == 2 && rng.random_bool(0.2);
                let column = row.change(&mut rng, clear_phone);
                planted.push(Planted {
                    batch,
                    id,
                    kind: "changed",
                    column: Some(column),
                });
                if batch == 1 {
                    changed_in_batch1.push(id);
                }
                current.insert(id, row.clone());
            } else {
                planted.push(Planted {
                    batch,
                    id,
                    kind: "unchanged",
                    column: None,
                });
            }
            rows.push(row);
        }
        for _ in 0..(n / 20).max(1) {
            let customer = Customer::new(&mut rng, next_id);
            planted.push(Planted {
                batch,
                id: next_id,
                kind: "new",
                column: None,
            });
            current.insert(next_id, customer.clone());
            rows.push(customer);
            next_id += 1;
        }
        batches[batch as usize] = rows;
    }
    Dimensions { batches, planted }
}

fn customers_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("email", DataType::Utf8, true),
        Field::new("phone", DataType::Utf8, true),
        Field::new("address", DataType::Utf8, true),
        Field::new("customer_segment", DataType::Utf8, true),
        Field::new("credit_score", DataType::Int32, true),
    ]))
}

fn planted_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("batch", DataType::Int32, true),
        Field::new("customer_id", DataType::Int64, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("changed_column", DataType::Utf8, true),
    ]))
}

fn customers_batch(rows: &[Customer]) -> Result<RecordBatch, ArrowError> {
    let text = |f: &dyn Fn(&Customer) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    RecordBatch::try_new(
        customers_schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|c| c.id))),
            text(&|c| Some(c.name.as_str())),
            text(&|c| Some(c.email.as_str())),
            text(&|c| c.phone.as_deref()),
            text(&|c| Some(c.address.as_str())),
            text(&|c| Some(c.segment.as_str())),
            Arc::new(Int32Array::from_iter_values(
                rows.iter().map(|c| c.credit_score),
            )),
        ],
    )
}

fn planted_batch(planted: &[Planted]) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_new(
        planted_schema(),
        vec![
            Arc::new(Int32Array::from_iter_values(
                planted.iter().map(|p| p.batch),
            )),
            Arc::new(Int64Array::from_iter_values(planted.iter().map(|p| p.id))),
            Arc::new(
                planted
                    .iter()
                    .map(|p| Some(p.kind))
                    .collect::<StringArray>(),
            ),
            Arc::new(planted.iter().map(|p| p.column).collect::<StringArray>()),
        ],
    )
}

/// Writes the group's tables under `root`; returns (table, rows) pairs.
pub(super) async fn write_dimensions(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(&'static str, u64)>, GenerateError> {
    let dims = simulate(seed, scale);
    let mut written = Vec::new();
    let tables = [
        (
            TABLES[0],
            customers_schema(),
            customers_batch(&dims.batches[0])?,
        ),
        (
            TABLES[1],
            customers_schema(),
            customers_batch(&dims.batches[1])?,
        ),
        (
            TABLES[2],
            customers_schema(),
            customers_batch(&dims.batches[2])?,
        ),
        (TABLES[3], planted_schema(), planted_batch(&dims.planted)?),
    ];
    for (name, schema, batch) in tables {
        let rows = write_batch(name, &root.join(name), schema, batch, progress).await?;
        written.push((name, rows));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_plant_every_kind_of_change() {
        let dims = simulate(7, 1);
        assert_eq!(dims.batches[0].len(), 1000);
        for batch in 1..=2 {
            let kinds = |kind: &str| {
                dims.planted
                    .iter()
                    .filter(|p| p.batch == batch && p.kind == kind)
                    .count()
            };
            assert_eq!(kinds("new"), 50);
            assert!(kinds("changed") > 50, "batch {batch}");
            assert!(kinds("unchanged") > 100, "batch {batch}");
            assert_eq!(
                kinds("new") + kinds("changed") + kinds("unchanged"),
                dims.batches[batch as usize].len()
            );
        }
        // A NULL phone filled in batch 1, a key changed in both batches.
        let null_to_value = dims.planted.iter().any(|p| {
            p.batch == 1
                && p.column == Some("phone")
                && dims.batches[0]
                    .iter()
                    .any(|c| c.id == p.id && c.phone.is_none())
        });
        assert!(null_to_value);
        let twice = dims.planted.iter().filter(|p| p.kind == "changed").fold(
            BTreeMap::<i64, usize>::new(),
            |mut m, p| {
                *m.entry(p.id).or_default() += 1;
                m
            },
        );
        assert!(twice.values().any(|&n| n == 2));
        // Same seed, same data.
        let again = simulate(7, 1);
        assert_eq!(again.batches, dims.batches);
    }
}
