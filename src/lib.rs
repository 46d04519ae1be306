//! Ignis: Spark-style data pipelines as plain SQL over Delta Lake, on Apache DataFusion.
//!
//! [`IgnisContext`] is the one entry point every front door uses: a DataFusion
//! `SessionContext` with the Spark functions, the `ignis-udfs` catalog, Delta tables
//! (``delta.`path` ``, `STORED AS DELTA`, CTAS/INSERT/history/time travel) and script
//! variables.

pub mod cli;
pub mod context;
pub mod data_roots;
pub mod delta;
pub mod display;
pub mod generate;
pub mod server;
pub mod statements;

pub use context::{IgnisConfig, IgnisContext};
