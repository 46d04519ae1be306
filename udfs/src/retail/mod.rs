//! Retail analytics: RFM metrics and segments (seed scenarios 1 and 4).

pub mod rfm;
pub mod rfm_segment;

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

/// `rfm(date, amount [, as_of])`.
pub fn rfm() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(rfm::Rfm::new()))
}

/// `rfm_segment(r, f [, m])`.
pub fn rfm_segment() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(rfm_segment::RfmSegment::new()))
}

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![rfm_segment()]
}

pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![rfm()]
}
