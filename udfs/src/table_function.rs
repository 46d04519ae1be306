//! Shared plumbing for the catalog's table functions (relation in, relation out).
//!
//! Conventions, the same for every table function:
//! - the first argument names the input: a table or view name (``delta.`/path` `` too)
//!   or a quoted query (`'SELECT ... FROM ...'`);
//! - options come as string arguments `'key => value'` (or `'key = value'`), several per
//!   string separated by commas, because DataFusion's planner drops named arguments
//!   of table functions;
//! - the input is planned when the function is called (so the output schema is known)
//!   and executed only when the result is scanned: `EXPLAIN` does not run the algorithm.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Field, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::{exec_datafusion_err, plan_datafusion_err, plan_err, Result, ScalarValue};
use datafusion::execution::context::SessionState;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, LogicalPlan, TableType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{collect, ExecutionPlan};
use futures::future::BoxFuture;
use futures::StreamExt;

/// Runs `future` to completion from synchronous code inside the tokio runtime that is
/// planning the query (table functions are called synchronously by the SQL planner).
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| handle.block_on(future)))
        }
        Ok(_) => {
            plan_err!("table functions that read a relation need a multi-threaded tokio runtime")
        }
        Err(_) => Ok(futures::executor::block_on(future)),
    }
}

/// The string value of a literal argument, or an error naming the function and position.
pub fn string_arg(function: &str, position: usize, expr: &Expr) -> Result<String> {
    match expr {
        Expr::Literal(ScalarValue::Utf8(Some(s)), _)
        | Expr::Literal(ScalarValue::Utf8View(Some(s)), _)
        | Expr::Literal(ScalarValue::LargeUtf8(Some(s)), _) => Ok(s.clone()),
        other => plan_err!("{function}: argument {position} must be a string literal, got {other}"),
    }
}

/// Plans the input relation of a table function: a table/view name or a query.
pub fn plan_input(function: &str, session: &dyn Session, input: &str) -> Result<LogicalPlan> {
    let state = session
        .as_any()
        .downcast_ref::<SessionState>()
        .ok_or_else(|| plan_datafusion_err!("{function} needs a DataFusion SessionState"))?;
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return plan_err!("{function}: the input relation is empty; name a table or give a query");
    }
    let first_word = trimmed
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let sql = if matches!(first_word.as_str(), "SELECT" | "WITH" | "VALUES" | "(") {
        trimmed.to_string()
    } else {
        format!("SELECT * FROM {trimmed}")
    };
    let state = state.clone();
    block_on(async move { state.create_logical_plan(&sql).await })?
        .map_err(|e| plan_datafusion_err!("{function}: cannot read input '{trimmed}': {e}"))
}

/// Checks a call's arity and plans its input (the first argument). Returns the input
/// plan, its schema and all arguments.
pub fn call_input<'e>(
    function: &str,
    args: &TableFunctionArgs<'e, '_>,
    min_args: usize,
    usage: &str,
) -> Result<(LogicalPlan, SchemaRef, &'e [Expr])> {
    let exprs = args.exprs();
    if exprs.len() < min_args {
        return plan_err!("{function} expects {usage}, got {} arguments", exprs.len());
    }
    let input = plan_input(
        function,
        args.session(),
        &string_arg(function, 1, &exprs[0])?,
    )?;
    let schema = Arc::new(input.schema().as_arrow().clone());
    Ok((input, schema, exprs))
}

/// The index of column `name` among `fields` (exact match first, then
/// case-insensitive), or a plan error naming the function, the column's role and the
/// columns there are.
pub fn column_index(function: &str, role: &str, name: &str, fields: &[&Field]) -> Result<usize> {
    fields
        .iter()
        .position(|f| f.name() == name)
        .or_else(|| {
            fields
                .iter()
                .position(|f| f.name().eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| {
            let available: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
            plan_datafusion_err!(
                "{function}: no {role} column '{name}' in the input; columns are: {}",
                available.join(", ")
            )
        })
}

/// `run(i)` for every `i` in `0..n`, spread over the machine's cores (scoped threads
/// taking the next index in turn), returned in the order of `i` so that results never
/// depend on thread timing.
pub fn parallel_map<T: Send>(
    function: &str,
    n: usize,
    run: impl Fn(usize) -> T + Sync,
) -> Result<Vec<T>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .min(n);
    if workers <= 1 {
        return Ok((0..n).map(run).collect());
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break done;
                        }
                        done.push((i, run(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| exec_datafusion_err!("{function}: a worker thread failed"))
            })
            .collect::<Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, t)| t).collect())
}

/// Options given as `'key => value'` strings.
#[derive(Debug, Default)]
pub struct Options {
    function: String,
    values: BTreeMap<String, String>,
}

impl Options {
    /// Parses option arguments, accepting only `allowed` keys.
    pub fn parse(
        function: &str,
        args: &[Expr],
        first_position: usize,
        allowed: &[&str],
    ) -> Result<Self> {
        let mut values = BTreeMap::new();
        for (i, arg) in args.iter().enumerate() {
            let text = string_arg(function, first_position + i, arg)?;
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (key, value) = part
                    .split_once("=>")
                    .or_else(|| part.split_once('='))
                    .ok_or_else(|| {
                        plan_datafusion_err!(
                            "{function}: option '{part}' must look like 'name => value'"
                        )
                    })?;
                let key = key.trim().to_ascii_lowercase();
                if !allowed.contains(&key.as_str()) {
                    return plan_err!(
                        "{function}: unknown option '{key}'; options are: {}",
                        allowed.join(", ")
                    );
                }
                values.insert(key, value.trim().trim_matches('\'').to_string());
            }
        }
        Ok(Self {
            function: function.to_string(),
            values,
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn usize_or(&self, key: &str, default: usize) -> Result<usize> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                plan_datafusion_err!(
                    "{}: option {key} must be a non-negative integer, got '{v}'",
                    self.function
                )
            }),
        }
    }

    pub fn u64_or(&self, key: &str, default: u64) -> Result<u64> {
        self.usize_or(key, default as usize).map(|v| v as u64)
    }

    pub fn f64_or(&self, key: &str, default: f64) -> Result<f64> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                plan_datafusion_err!(
                    "{}: option {key} must be a number, got '{v}'",
                    self.function
                )
            }),
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("true" | "on" | "yes" | "1") => Ok(true),
            Some("false" | "off" | "no" | "0") => Ok(false),
            Some(v) => plan_err!(
                "{}: option {key} must be true or false, got '{v}'",
                self.function
            ),
        }
    }
}

/// Computes output batches from the complete input.
pub type Compute = Arc<dyn Fn(Vec<RecordBatch>) -> Result<Vec<RecordBatch>> + Send + Sync>;

/// Computes output batches from several complete inputs (in the order they were given).
pub type MultiCompute =
    Arc<dyn Fn(Vec<Vec<RecordBatch>>) -> Result<Vec<RecordBatch>> + Send + Sync>;

/// Computes output batches asynchronously with the session and task context of the
/// scan, for results that run queries or write (data-quality checks, SCD2 merges).
pub type AsyncCompute = Arc<
    dyn Fn(SessionState, Arc<TaskContext>) -> BoxFuture<'static, Result<Vec<RecordBatch>>>
        + Send
        + Sync,
>;

/// A table function result computed when it is read, not when it is planned: `EXPLAIN`
/// neither runs the algorithm nor performs the writes.
pub struct DeferredTable {
    schema: SchemaRef,
    compute: AsyncCompute,
}

impl Debug for DeferredTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeferredTable")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl DeferredTable {
    /// Runs `compute` on the complete result of `input`.
    pub fn new(schema: SchemaRef, input: LogicalPlan, compute: Compute) -> Self {
        let compute: MultiCompute =
            Arc::new(move |mut inputs| compute(inputs.pop().unwrap_or_default()));
        Self::with_inputs(schema, vec![input], compute)
    }

    /// Runs `compute` on the complete results of several relations (e.g. the edges and
    /// vertices of a graph), off the async worker threads (the algorithms are CPU-bound).
    pub fn with_inputs(schema: SchemaRef, inputs: Vec<LogicalPlan>, compute: MultiCompute) -> Self {
        let run: AsyncCompute = Arc::new(move |state, ctx| {
            let (inputs, compute) = (inputs.clone(), Arc::clone(&compute));
            Box::pin(async move {
                let mut batches = Vec::with_capacity(inputs.len());
                for plan in &inputs {
                    let plan = state.create_physical_plan(plan).await?;
                    batches.push(collect(plan, Arc::clone(&ctx)).await?);
                }
                tokio::task::spawn_blocking(move || compute(batches))
                    .await
                    .map_err(|e| plan_datafusion_err!("table function task failed: {e}"))?
            })
        });
        Self::from_async(schema, run)
    }

    /// Runs an asynchronous computation with the scan's session.
    pub fn from_async(schema: SchemaRef, compute: AsyncCompute) -> Self {
        Self { schema, compute }
    }
}

#[async_trait]
impl TableProvider for DeferredTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let session = state
            .as_any()
            .downcast_ref::<SessionState>()
            .ok_or_else(|| plan_datafusion_err!("table functions need a DataFusion SessionState"))?
            .clone();
        let partition = Arc::new(DeferredPartition {
            schema: Arc::clone(&self.schema),
            session,
            compute: Arc::clone(&self.compute),
        });
        Ok(Arc::new(StreamingTableExec::try_new(
            Arc::clone(&self.schema),
            vec![partition],
            projection,
            Vec::new(),
            false,
            limit,
        )?))
    }
}

struct DeferredPartition {
    schema: SchemaRef,
    session: SessionState,
    compute: AsyncCompute,
}

impl Debug for DeferredPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeferredPartition").finish_non_exhaustive()
    }
}

impl PartitionStream for DeferredPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batches =
            futures::stream::once((self.compute)(self.session.clone(), ctx)).flat_map(|result| {
                let items: Vec<Result<RecordBatch>> = match result {
                    Ok(batches) => batches.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(items)
            });
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            batches,
        ))
    }
}
