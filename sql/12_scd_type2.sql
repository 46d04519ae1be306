-- Seed scenario 12: SCD Type 2 Implementation.
--
-- The customer dimension keeps every version of a customer: an initial load, then two
-- update batches. scd2_merge compares each source row with the customer's current
-- version NULL-safely (a phone going from NULL to a number, or back, is a change; the
-- seed's `!=` would miss it), expires changed versions (end_date, is_current = false),
-- inserts their new versions and new customers with the next surrogate keys, and
-- leaves unchanged customers alone, all in ONE Delta commit per batch: either the whole
-- batch lands or nothing does (the seed's separate MERGE and append could leave a
-- customer with no current row if the append failed).
--
-- Variables: ${data} holds customer_updates_initial, customer_updates_batch1 and
--            customer_updates_batch2; ${out} receives customer_dimension and the run log.
-- Run:       ignis -f sql/12_scd_type2.sql --set data=DIR --set out=DIR

-- Initial load: the dimension does not exist yet, so it is created from the source.
CREATE OR REPLACE TABLE delta.`${out}/scd2_run_log` AS
SELECT 'initial_load' AS batch, *
FROM scd2_merge('${out}/customer_dimension', 'delta.`${data}/customer_updates_initial`',
    'customer_id', 'name, email, phone, address, customer_segment, credit_score',
    'surrogate_key => customer_sk, effective_date => effective_date, end_date => end_date, current_flag => is_current');

-- First update batch.
INSERT INTO delta.`${out}/scd2_run_log`
SELECT 'batch1' AS batch, *
FROM scd2_merge('${out}/customer_dimension', 'delta.`${data}/customer_updates_batch1`',
    'customer_id', 'name, email, phone, address, customer_segment, credit_score',
    'surrogate_key => customer_sk');

-- Second update batch: some customers change again, some phones are cleared.
INSERT INTO delta.`${out}/scd2_run_log`
SELECT 'batch2' AS batch, *
FROM scd2_merge('${out}/customer_dimension', 'delta.`${data}/customer_updates_batch2`',
    'customer_id', 'name, email, phone, address, customer_segment, credit_score',
    'surrogate_key => customer_sk');

-- What each batch did (the seed's log lines).
SELECT batch, new_records, changed_records, unchanged_records, expired_records, version
FROM delta.`${out}/scd2_run_log`
ORDER BY version;

-- Total and current records in the dimension.
SELECT
    COUNT(*) AS total_records,
    COUNT(*) FILTER (WHERE is_current) AS current_records,
    COUNT(DISTINCT customer_id) AS customers
FROM delta.`${out}/customer_dimension`;

-- Customers with the most versions, and their history.
SELECT customer_id, customer_sk, email, phone, address, customer_segment, credit_score,
       effective_date, end_date, is_current
FROM delta.`${out}/customer_dimension`
WHERE customer_id IN (
    SELECT customer_id FROM delta.`${out}/customer_dimension`
    GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 3)
ORDER BY customer_id, customer_sk;

-- Compact the small files the batches left behind (as the seed does).
OPTIMIZE delta.`${out}/customer_dimension`;

-- The dimension's history: the initial write, one MERGE per batch, the OPTIMIZE.
DESCRIBE HISTORY delta.`${out}/customer_dimension`;
