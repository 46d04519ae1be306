-- Seed scenario 13: ETL Pipeline with Delta Lake.
--
-- Extract four sources (CSV with a declared schema, JSON lines, Parquet, Delta), transform
-- them (join, filter, aggregate, custom SQL, with column renames and type casts), load
-- the results to Delta (partitioned, then OPTIMIZE and VACUUM) and Parquet, and log every
-- stage to ${out}/etl_pipeline_logs, as the seed's log_event does.
--
-- Stage logging is the batch runner's: `SET pipeline_log` names the log table and each
-- `SET stage` ends the previous stage (one SUCCESS row: start/end time, rows written,
-- malformed rows rejected) and starts the next. A failing statement appends a FAILED row
-- with the error and stops the script with a non-zero exit. ${pipeline_id} is generated
-- (ETL_yyyymmdd_hhmmss) unless set with --set pipeline_id=...
--
-- Malformed input: DataFusion's CSV/JSON readers fail a whole scan on one bad row, so the
-- text sources are read with read_csv_checked / read_json_checked in Spark's DROPMALFORMED
-- mode; the rows dropped are counted in the log's records_rejected (use 'mode => failfast'
-- to stop at the first bad row instead, naming its file and line).
--
-- Every extracted and transformed relation is materialised as a Delta table under
-- ${out}/etl_staging (the seed keeps them as DataFrames), with lineage columns:
-- source_id / extract_time, transform_id / transform_time, load_time and pipeline_id.
--
-- Variables: ${data} holds etl_sources/ (customers.csv, orders.jsonl, products.parquet,
--            inventory); ${out} receives the staging tables, sales_fact,
--            customer_summary, inventory_status.parquet and etl_pipeline_logs.
-- Run:       ignis -f sql/13_etl_pipeline.sql --set data=DIR --set out=DIR

SET pipeline_log = '${out}/etl_pipeline_logs';

-- Extract ------------------------------------------------------------------------------

-- CSV with a declared schema (the seed's "schema" option; header line skipped).
SET stage = 'extract_customers';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/customers` AS
SELECT *, 'customers' AS source_id, now() AS extract_time, '${pipeline_id}' AS pipeline_id
FROM read_csv_checked('${data}/etl_sources/customers.csv',
    'customer_id BIGINT NOT NULL, name VARCHAR, email VARCHAR, country VARCHAR,
     signup_date DATE, credit_limit DOUBLE',
    'mode => dropmalformed, header => true');

-- JSON lines.
SET stage = 'extract_orders';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/orders` AS
SELECT *, 'orders' AS source_id, now() AS extract_time, '${pipeline_id}' AS pipeline_id
FROM read_json_checked('${data}/etl_sources/orders.jsonl',
    'order_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, product_id BIGINT NOT NULL,
     quantity INT, order_ts TIMESTAMP, status VARCHAR',
    'mode => dropmalformed');

-- Parquet.
SET stage = 'extract_products';
CREATE EXTERNAL TABLE IF NOT EXISTS etl_products
STORED AS PARQUET LOCATION '${data}/etl_sources/products.parquet';

CREATE OR REPLACE TABLE delta.`${out}/etl_staging/products` AS
SELECT *, 'products' AS source_id, now() AS extract_time, '${pipeline_id}' AS pipeline_id
FROM etl_products;

-- Delta.
SET stage = 'extract_inventory';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/inventory` AS
SELECT *, 'inventory' AS source_id, now() AS extract_time, '${pipeline_id}' AS pipeline_id
FROM delta.`${data}/etl_sources/inventory`;

-- Transform ----------------------------------------------------------------------------

-- Join orders to customers and products, with column mappings (renames) and type
-- conversions (casts).
SET stage = 'transform_order_details';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/order_details` AS
SELECT
    o.order_id,
    o.customer_id,
    c.name AS customer_name,
    c.country,
    o.product_id,
    p.product_name,
    p.category,
    CAST(o.quantity AS BIGINT) AS quantity,
    p.unit_price AS price,
    round(o.quantity * p.unit_price, 2) AS order_amount,
    CAST(o.order_ts AS DATE) AS order_date,
    to_char(o.order_ts, '%Y-%m') AS order_month,
    o.status,
    'orders,customers,products' AS source_id,
    o.extract_time,
    'order_details' AS transform_id,
    now() AS transform_time,
    '${pipeline_id}' AS pipeline_id
FROM delta.`${out}/etl_staging/orders` o
JOIN delta.`${out}/etl_staging/customers` c ON o.customer_id = c.customer_id
JOIN delta.`${out}/etl_staging/products` p ON o.product_id = p.product_id;

-- Filter: completed orders only.
SET stage = 'transform_completed_orders';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/completed_orders` AS
SELECT * EXCLUDE (source_id, transform_id, transform_time),
    'order_details' AS source_id,
    'completed_orders' AS transform_id,
    now() AS transform_time
FROM delta.`${out}/etl_staging/order_details`
WHERE status = 'completed';

-- Aggregate: one row per customer.
SET stage = 'transform_customer_summary';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/customer_summary` AS
SELECT
    customer_id,
    customer_name,
    country,
    COUNT(*) AS order_count,
    round(SUM(order_amount), 2) AS total_spent,
    round(AVG(order_amount), 2) AS avg_order_value,
    MIN(order_date) AS first_order_date,
    MAX(order_date) AS last_order_date,
    'completed_orders' AS source_id,
    'customer_summary' AS transform_id,
    now() AS transform_time,
    '${pipeline_id}' AS pipeline_id
FROM delta.`${out}/etl_staging/completed_orders`
GROUP BY customer_id, customer_name, country;

-- Custom SQL: stock across warehouses against demand.
SET stage = 'transform_inventory_status';
CREATE OR REPLACE TABLE delta.`${out}/etl_staging/inventory_status` AS
WITH stock AS (
    SELECT product_id,
           SUM(stock_qty) AS total_stock,
           COUNT(*) FILTER (WHERE stock_qty = 0) AS warehouses_out_of_stock,
           MAX(updated_date) AS stock_date
    FROM delta.`${out}/etl_staging/inventory`
    GROUP BY product_id
),
demand AS (
    SELECT product_id, SUM(quantity) AS units_ordered
    FROM delta.`${out}/etl_staging/completed_orders`
    GROUP BY product_id
)
SELECT
    p.product_id,
    p.product_name,
    p.category,
    p.unit_price,
    s.total_stock,
    s.warehouses_out_of_stock,
    COALESCE(d.units_ordered, 0) AS units_ordered,
    round(s.total_stock * p.unit_price, 2) AS stock_value,
    CASE
        WHEN s.total_stock < COALESCE(d.units_ordered, 0) THEN 'reorder'
        WHEN s.total_stock < 300 THEN 'low'
        ELSE 'ok'
    END AS stock_status,
    s.stock_date,
    'products,inventory,completed_orders' AS source_id,
    'inventory_status' AS transform_id,
    now() AS transform_time,
    '${pipeline_id}' AS pipeline_id
FROM delta.`${out}/etl_staging/products` p
JOIN stock s ON p.product_id = s.product_id
LEFT JOIN demand d ON p.product_id = d.product_id;

-- Load ---------------------------------------------------------------------------------

-- Delta, partitioned by month, then compacted and vacuumed (the seed's optimize and
-- vacuum_hours; 168 hours is the retention the safety check accepts).
SET stage = 'load_sales_fact';
CREATE OR REPLACE TABLE delta.`${out}/sales_fact` PARTITIONED BY (order_month) AS
SELECT *, now() AS load_time
FROM delta.`${out}/etl_staging/order_details`;

OPTIMIZE delta.`${out}/sales_fact`;

VACUUM delta.`${out}/sales_fact` RETAIN 168 HOURS;

-- Delta, overwritten each run.
SET stage = 'load_customer_summary';
CREATE OR REPLACE TABLE delta.`${out}/customer_summary` AS
SELECT *, now() AS load_time
FROM delta.`${out}/etl_staging/customer_summary`;

-- Parquet.
SET stage = 'load_inventory_status';
COPY (
    SELECT *, now() AS load_time
    FROM delta.`${out}/etl_staging/inventory_status`
    ORDER BY product_id
) TO '${out}/inventory_status.parquet' STORED AS PARQUET;

-- End of the last stage.
SET stage = '';

-- This run's log.
SELECT stage, status, records_processed, records_rejected,
       end_time - start_time AS duration, error_message
FROM delta.`${out}/etl_pipeline_logs`
WHERE pipeline_id = '${pipeline_id}'
ORDER BY start_time;

-- The loads.
SELECT order_month, COUNT(*) AS orders, round(SUM(order_amount), 2) AS revenue
FROM delta.`${out}/sales_fact`
GROUP BY order_month
ORDER BY order_month;

CREATE EXTERNAL TABLE IF NOT EXISTS etl_inventory_status
STORED AS PARQUET LOCATION '${out}/inventory_status.parquet';

SELECT stock_status, COUNT(*) AS products
FROM etl_inventory_status
GROUP BY stock_status
ORDER BY stock_status;
