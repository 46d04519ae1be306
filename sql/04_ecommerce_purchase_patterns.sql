-- Seed scenario 4: E-commerce Purchase Pattern Analysis.
--
-- Product and category performance, seasonal trends, customer purchase patterns and
-- the top 100 customers by spend. Market basket analysis (FP-growth frequent itemsets
-- and association rules) is added with the FP-growth function (issue #3); until then
-- this script does not write frequent_itemsets / association_rules rather than fake them.
--
-- Variables: ${data} holds the Delta tables transactions, products, customers;
--            ${out} receives the Delta outputs.
-- Run:       ignis -f sql/04_ecommerce_purchase_patterns.sql --set data=DIR --set out=DIR

-- Transactions joined with product and customer information.
CREATE OR REPLACE VIEW enriched_transactions AS
SELECT
    t.transaction_id,
    t.order_id,
    t.customer_id,
    t.product_id,
    t.quantity,
    t.price,
    t.amount,
    t.transaction_date,
    p.product_name,
    p.category,
    p.brand,
    c.age,
    c.gender,
    c.city
FROM delta.`${data}/transactions` t
JOIN delta.`${data}/products` p ON t.product_id = p.product_id
JOIN delta.`${data}/customers` c ON t.customer_id = c.customer_id;

-- Product sales metrics. `price` is the unit price, so revenue is the sum of the line
-- amounts (quantity x price); the seed's sum("price") would ignore quantities.
CREATE OR REPLACE TABLE delta.`${out}/product_metrics` AS
SELECT
    product_id,
    product_name,
    category,
    COUNT(transaction_id) AS sales_count,
    SUM(quantity)         AS units_sold,
    ROUND(SUM(amount), 2) AS revenue
FROM enriched_transactions
GROUP BY product_id, product_name, category
ORDER BY revenue DESC, product_id;

-- Category performance.
CREATE OR REPLACE TABLE delta.`${out}/category_metrics` AS
SELECT
    category,
    COUNT(transaction_id) AS sales_count,
    SUM(quantity)         AS units_sold,
    ROUND(SUM(amount), 2) AS revenue
FROM enriched_transactions
GROUP BY category
ORDER BY revenue DESC, category;

-- Seasonal trends: revenue per category and calendar month.
CREATE OR REPLACE TABLE delta.`${out}/seasonal_trends` AS
SELECT
    category,
    CAST(date_part('month', transaction_date) AS INT) AS month,
    ROUND(SUM(amount), 2) AS revenue
FROM enriched_transactions
GROUP BY 1, 2
ORDER BY category, month;

-- Customer purchase patterns.
CREATE OR REPLACE TABLE delta.`${out}/customer_patterns` AS
SELECT
    customer_id,
    COUNT(transaction_id)      AS transaction_count,
    COUNT(DISTINCT product_id) AS unique_products,
    ROUND(SUM(amount), 2)      AS total_spend,
    AVG(amount)                AS avg_transaction_value,
    date_diff(current_date(), CAST(MAX(transaction_date) AS DATE)) AS days_since_last_purchase
FROM enriched_transactions
GROUP BY customer_id;

-- High-value customers: the top 100 by total spend (ties share a rank, as in Spark).
CREATE OR REPLACE TABLE delta.`${out}/high_value_customers` AS
SELECT *
FROM (
    SELECT *, RANK() OVER (ORDER BY total_spend DESC) AS spend_rank
    FROM delta.`${out}/customer_patterns`
) ranked
WHERE spend_rank <= 100
ORDER BY spend_rank, customer_id;
