-- Seed scenario 11: Data Quality Monitoring.
--
-- Loads the rules from data_quality_rules.json (the seed's format), runs every check
-- (null, uniqueness, range, pattern, referential) on the tables they name, appends the
-- results with a run timestamp to data_quality_results, rewrites the summary
-- (table_name, status, count) and the failed checks, and lists the critical failures
-- (more than 50 % of the rows failing). Finally the same checks are written as SQL
-- rules, the catalog function's other form of rules.
--
-- Differences from the seed, on purpose:
-- - The rules file sits with the data (${data}/data_quality_rules.json, not
--   /mnt/config) and the failures go to ${out}/data_quality_failures (not /mnt/alerts).
-- - check_timestamp is a TIMESTAMP (the seed writes ISO strings), taken when each
--   table's checks start; all of a table's null, uniqueness, range and pattern checks
--   run in one scan instead of one Spark job each.
-- - data_quality_failures is rewritten on every run, empty when nothing failed (the
--   seed leaves the previous run's alerts in place when nothing fails).
-- - Unknown check kinds in the rules are an error (the seed ignores them), so a typo
--   cannot silently disable a check.
--
-- Variables: ${data} holds the Delta tables the rules name and data_quality_rules.json;
--            ${out} receives the Delta outputs.
-- Run:       ignis -f sql/11_data_quality_monitoring.sql --set data=DIR --set out=DIR

-- Run every check once; this run's results, with its run timestamp.
CREATE OR REPLACE TABLE quality_run AS
SELECT *, now() AS run_timestamp
FROM data_quality_checks('${data}/data_quality_rules.json', 'table_root => ${data}');

SELECT table_name, check_type, column_name, failed_count, total_count,
       round(failure_percentage, 2) AS failure_percentage, threshold, status
FROM quality_run;

-- Append to the results history (created by the first run).
CREATE TABLE IF NOT EXISTS delta.`${out}/data_quality_results` AS
SELECT * FROM quality_run LIMIT 0;

INSERT INTO delta.`${out}/data_quality_results`
SELECT * FROM quality_run;

-- Summary of this run: checks per table and status.
CREATE OR REPLACE TABLE delta.`${out}/data_quality_summary` AS
SELECT table_name, status, count(*) AS count
FROM quality_run
GROUP BY table_name, status
ORDER BY table_name, status;

SELECT * FROM delta.`${out}/data_quality_summary` ORDER BY table_name, status;

-- Alerts: the failed checks of this run.
CREATE OR REPLACE TABLE delta.`${out}/data_quality_failures` AS
SELECT * FROM quality_run WHERE status = 'FAIL';

-- Critical failures: more than half of the rows fail (an unreadable table counts as
-- 100 %).
SELECT table_name, check_type, column_name, failed_count, total_count,
       round(failure_percentage, 2) AS failure_percentage
FROM delta.`${out}/data_quality_failures`
WHERE failure_percentage > 50
ORDER BY failure_percentage DESC, table_name, check_type, column_name;

-- The same checks as SQL rules: one row per check, any table, view or query with these
-- columns works as the rules argument.
CREATE OR REPLACE VIEW quality_rules AS
SELECT * FROM (VALUES
    ('dq_customers', 'null_check',        'email',       1.0, NULL, NULL,    NULL, NULL, NULL),
    ('dq_customers', 'uniqueness_check',  'customer_id', 0.0, NULL, NULL,    NULL, NULL, NULL),
    ('dq_customers', 'range_check',       'age',         2.0, '18', '100',   NULL, NULL, NULL),
    ('dq_customers', 'pattern_check',     'email',       0.5, NULL, NULL,
        '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$', NULL, NULL),
    ('dq_orders',    'null_check',        'amount',      0.1, NULL, NULL,    NULL, NULL, NULL),
    ('dq_orders',    'range_check',       'amount',      1.0, '0',  '10000', NULL, NULL, NULL),
    ('dq_orders',    'pattern_check',     'status',      0.1, NULL, NULL,
        '^(pending|shipped|delivered|cancelled)$', NULL, NULL),
    ('dq_orders',    'referential_check', 'customer_id', 0.5, NULL, NULL,    NULL,
        'dq_customers', 'customer_id')
) AS rules(table_name, check_type, column_name, threshold, min_value, max_value, pattern,
           reference_table, reference_column);

SELECT table_name, check_type, column_name, failed_count, total_count,
       round(failure_percentage, 2) AS failure_percentage, threshold, status
FROM data_quality_checks('quality_rules', 'table_root => ${data}');
