//! The Ignis context: a DataFusion `SessionContext` with Spark functions, the Ignis
//! function catalog and Delta tables, plus the statements DataFusion does not plan.
//! Every front door (shell, batch runner, server) goes through [`IgnisContext`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use datafusion::arrow::array::{ArrayRef, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::{plan_datafusion_err, DataFusionError, Result};
use datafusion::dataframe::DataFrame;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{FunctionRegistry, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::Statement;
use deltalake::delta_datafusion::planner::DeltaPlanner;

use crate::data_roots::{self, DataRoots};
use crate::delta::{
    self, CreateMode, DeltaHistoryFunction, DeltaLocation, DeltaSchemaProvider,
    LiveDeltaTableFactory, MergeSummary, Scd2MergeFunction, DELTA_SCHEMA,
};
use crate::statements::{parse_statement, substitute_variables, IgnisStatement, Variables};

/// Settings for a new context.
#[derive(Debug, Clone, Default)]
pub struct IgnisConfig {
    /// Initial script variables (`--set name=value`).
    pub variables: Variables,
    /// DataFusion target partitions; defaults to the number of cores.
    pub target_partitions: Option<usize>,
    /// Memory limit for query execution in bytes (DataFusion's memory pool); unbounded
    /// when unset.
    pub memory_limit: Option<usize>,
    /// When set, the session reads and writes only under these directories
    /// (`ignis serve --data-root`).
    pub data_roots: Option<Arc<DataRoots>>,
}

/// A session: DataFusion context plus Ignis state (variables, named Delta tables).
#[derive(Clone)]
pub struct IgnisContext {
    ctx: SessionContext,
    variables: Arc<RwLock<Variables>>,
    /// Tables registered `STORED AS DELTA`, by lower-case name, for history and time travel.
    delta_tables: Arc<RwLock<HashMap<String, DeltaLocation>>>,
    data_roots: Option<Arc<DataRoots>>,
}

impl IgnisContext {
    /// Builds a session with DataFusion's defaults, the `datafusion-spark` functions, the
    /// Ignis catalog (`ignis_udfs::register_all`) and Delta support.
    pub fn new(config: IgnisConfig) -> Result<Self> {
        let mut session_config = SessionConfig::new()
            // Malformed rows dropped by read_csv_checked / read_json_checked, per file,
            // for the batch runner's pipeline log.
            .with_extension(Arc::new(ignis_udfs::etl::MalformedTally::default()))
            .with_information_schema(true)
            .with_create_default_catalog_and_schema(true)
            // As delta-rs's own sessions: hash-join IN-list pushdown can fail on
            // dictionary-encoded join keys (Delta partition columns), so use hash lookups.
            .set_usize("datafusion.optimizer.hash_join_inlist_pushdown_max_size", 0)
            .set_usize(
                "datafusion.optimizer.hash_join_inlist_pushdown_max_distinct_values",
                0,
            );
        if let Some(roots) = &config.data_roots {
            session_config = session_config.with_extension(Arc::clone(roots));
        }
        if let Some(n) = config.target_partitions {
            session_config = session_config.with_target_partitions(n.max(1));
        }
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(limit) = config.memory_limit {
            runtime = runtime.with_memory_limit(limit, 1.0);
        }
        let mut state = SessionStateBuilder::new()
            .with_config(session_config)
            .with_runtime_env(runtime.build_arc()?)
            .with_default_features()
            // delta-rs plans its writes with extension nodes only its planner lowers.
            .with_query_planner(DeltaPlanner::new())
            .build();
        let delta_factory = Arc::new(LiveDeltaTableFactory);
        state
            .table_factories_mut()
            .insert("DELTA".to_string(), delta_factory.clone());
        state
            .table_factories_mut()
            .insert("DELTATABLE".to_string(), delta_factory);
        if let Some(roots) = &config.data_roots {
            data_roots::install(&mut state, roots)?;
        }
        datafusion_spark::register_all(&mut state)?;
        // datafusion-spark's `avg` replaces DataFusion's with a Float64-only version that
        // cannot retract rows, so `avg(x) OVER (ROWS BETWEEN 24 PRECEDING AND CURRENT
        // ROW)` fails. DataFusion's gives Spark's results (and decimal averages, as Spark
        // does) and slides in O(n).
        state.register_udaf(datafusion::functions_aggregate::average::avg_udaf())?;
        ignis_udfs::register_all(&mut state)?;

        let ctx = SessionContext::new_with_state(state);
        let catalog = ctx
            .catalog("datafusion")
            .ok_or_else(|| plan_datafusion_err!("default catalog missing"))?;
        catalog.register_schema(
            DELTA_SCHEMA,
            Arc::new(DeltaSchemaProvider {
                data_roots: config.data_roots.clone(),
            }),
        )?;
        ctx.register_udtf("delta_history", Arc::new(DeltaHistoryFunction));
        ctx.register_udtf("scd2_merge", Arc::new(Scd2MergeFunction));
        ignis_udfs::register_table_functions(&ctx);
        // Keep the usual `public` schema writable for views and memory tables.
        if catalog.schema("public").is_none() {
            catalog.register_schema("public", Arc::new(MemorySchemaProvider::new()))?;
        }
        Ok(Self {
            ctx,
            variables: Arc::new(RwLock::new(config.variables)),
            delta_tables: Arc::new(RwLock::new(HashMap::new())),
            data_roots: config.data_roots,
        })
    }

    /// The underlying DataFusion context.
    pub fn session(&self) -> &SessionContext {
        &self.ctx
    }

    /// Current script variables.
    pub fn variables(&self) -> Variables {
        self.variables.read().map(|v| v.clone()).unwrap_or_default()
    }

    /// Malformed rows read by `read_csv_checked` / `read_json_checked` since the last
    /// call, by file (clears the tally).
    pub fn take_malformed_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.ctx
            .state()
            .config()
            .get_extension::<ignis_udfs::etl::MalformedTally>()
            .map(|tally| tally.take())
            .unwrap_or_default()
    }

    pub fn set_variable(&self, name: &str, value: &str) {
        if let Ok(mut vars) = self.variables.write() {
            vars.insert(name.to_string(), value.to_string());
        }
    }

    /// Substitutes `${variables}` in one statement's text.
    pub fn substitute(&self, sql: &str) -> Result<String> {
        substitute_variables(sql, &self.variables())
    }

    /// Runs one statement (variables are substituted first). Queries come back as a lazy
    /// [`DataFrame`]; DDL and Delta writes have already happened when this returns, and
    /// their DataFrame holds a short result (e.g. rows written).
    pub async fn execute(&self, sql: &str) -> Result<DataFrame> {
        let statement = self.parse(sql)?;
        self.execute_parsed(statement).await
    }

    /// Parses one statement as [`execute`](Self::execute) would (variables substituted,
    /// Ignis statements recognised), so a front door can inspect it before running it.
    pub fn parse(&self, sql: &str) -> Result<IgnisStatement> {
        let sql = self.substitute(sql)?;
        let dialect = self
            .ctx
            .state()
            .config()
            .options()
            .sql_parser
            .dialect
            .to_string();
        let tables = self
            .delta_tables
            .read()
            .map(|t| t.clone())
            .unwrap_or_default();
        parse_statement(&sql, &dialect, &tables)
    }

    /// Runs a statement from [`parse`](Self::parse).
    pub async fn execute_parsed(&self, statement: IgnisStatement) -> Result<DataFrame> {
        self.check_data_roots(&statement)?;
        match statement {
            IgnisStatement::SetVariable { name, value } => {
                self.set_variable(&name, &value);
                self.message(&format!("{name} = {value}"))
            }
            IgnisStatement::DescribeHistory { location, limit } => {
                let batch = delta::history(&location, limit).await?;
                self.ctx.read_batch(batch)
            }
            IgnisStatement::CreateDeltaTableAs {
                location,
                or_replace,
                if_not_exists,
                partition_by,
                query,
            } => {
                let state = self.ctx.state();
                let plan = state
                    .statement_to_plan(DFStatement::Statement(Box::new(Statement::Query(query))))
                    .await?;
                let mode = if or_replace {
                    CreateMode::Replace
                } else if if_not_exists {
                    CreateMode::IgnoreIfExists
                } else {
                    CreateMode::ErrorIfExists
                };
                let summary =
                    delta::write_query(&state, &location, plan, mode, partition_by).await?;
                self.write_result(&location, summary.rows, summary.version)
            }
            IgnisStatement::Merge(request) => {
                let location = request.target.clone();
                let summary = delta::merge(&self.ctx.state(), *request).await?;
                self.merge_result(&location, summary)
            }
            IgnisStatement::Optimize { location, options } => {
                let summary = delta::optimize(&self.ctx.state(), &location, &options).await?;
                self.ctx
                    .read_batch(delta::optimize_result(&location, &summary)?)
            }
            IgnisStatement::Vacuum { location, options } => {
                let variables = self.variables();
                let check = delta::retention_check_enabled(
                    variables
                        .get(delta::RETENTION_CHECK_VARIABLE)
                        .map(String::as_str),
                )?;
                let summary = delta::vacuum(&location, &options, check).await?;
                self.ctx.read_batch(delta::vacuum_result(&summary)?)
            }
            IgnisStatement::DataFusion(statement) => {
                let external_delta = match statement.as_ref() {
                    DFStatement::CreateExternalTable(create)
                        if matches!(
                            create.file_type.to_ascii_uppercase().as_str(),
                            "DELTA" | "DELTATABLE"
                        ) =>
                    {
                        create
                            .locations
                            .first()
                            .map(|loc| (create.name.to_string(), loc.clone()))
                    }
                    _ => None,
                };
                let plan = self.ctx.state().statement_to_plan(*statement).await?;
                let df = self.ctx.execute_logical_plan(plan).await?;
                if let Some((name, location)) = external_delta {
                    let location = DeltaLocation::parse(&location)?;
                    if let Ok(mut tables) = self.delta_tables.write() {
                        tables.insert(name.to_ascii_lowercase(), location);
                    }
                }
                Ok(df)
            }
        }
    }

    /// Refuses a statement naming a path outside the data roots before it runs. (Paths
    /// reached while planning, e.g. ``delta.`p` `` in a query, are checked where they
    /// are resolved.)
    fn check_data_roots(&self, statement: &IgnisStatement) -> Result<()> {
        let Some(roots) = &self.data_roots else {
            return Ok(());
        };
        match statement {
            IgnisStatement::DescribeHistory { location, .. }
            | IgnisStatement::CreateDeltaTableAs { location, .. }
            | IgnisStatement::Optimize { location, .. }
            | IgnisStatement::Vacuum { location, .. } => location.check_roots(roots),
            IgnisStatement::Merge(request) => request.target.check_roots(roots),
            IgnisStatement::DataFusion(statement) => match statement.as_ref() {
                DFStatement::CreateExternalTable(create) => create
                    .locations
                    .iter()
                    .try_for_each(|location| roots.check_location(location)),
                DFStatement::CopyTo(copy) => roots.check_location(&copy.target),
                _ => Ok(()),
            },
            IgnisStatement::SetVariable { .. } => Ok(()),
        }
    }

    fn message(&self, text: &str) -> Result<DataFrame> {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "result",
            DataType::Utf8,
            false,
        )]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec![text]))])?;
        self.ctx.read_batch(batch)
    }

    /// The result row of a MERGE, with Delta Lake's column names.
    fn merge_result(&self, location: &DeltaLocation, summary: MergeSummary) -> Result<DataFrame> {
        let count = |name: &str| Field::new(name, DataType::UInt64, false);
        let schema = Arc::new(Schema::new(vec![
            Field::new("table", DataType::Utf8, false),
            count("version"),
            count("num_affected_rows"),
            count("num_updated_rows"),
            count("num_deleted_rows"),
            count("num_inserted_rows"),
        ]));
        let value = |v: u64| Arc::new(UInt64Array::from(vec![v])) as ArrayRef;
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![location.display.as_str()])),
                value(summary.version),
                value(summary.inserted + summary.updated + summary.deleted),
                value(summary.updated),
                value(summary.deleted),
                value(summary.inserted),
            ],
        )?;
        self.ctx.read_batch(batch)
    }

    fn write_result(&self, location: &DeltaLocation, rows: u64, version: u64) -> Result<DataFrame> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("table", DataType::Utf8, false),
            Field::new("version", DataType::UInt64, false),
            Field::new("rows_written", DataType::UInt64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![location.display.as_str()])),
                Arc::new(UInt64Array::from(vec![version])),
                Arc::new(UInt64Array::from(vec![rows])),
            ],
        )
        .map_err(DataFusionError::from)?;
        self.ctx.read_batch(batch)
    }
}
