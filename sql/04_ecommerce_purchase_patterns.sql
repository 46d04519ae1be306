-- Seed scenario 4: E-commerce Purchase Pattern Analysis.
--
-- Product and category performance, seasonal trends, market basket analysis
-- (FP-growth frequent itemsets with product names, and association rules), customer
-- purchase patterns and the top 100 customers by spend.
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

-- Market basket analysis: one basket of product ids per order (the seed casts ids to
-- strings for Spark's FPGrowth; frequent_itemsets takes integer or string items).
CREATE OR REPLACE VIEW basket_data AS
SELECT order_id, array_agg(product_id) AS items
FROM delta.`${data}/transactions`
GROUP BY order_id;

-- Frequent itemsets with product names (the seed's get_product_names, as a join).
CREATE OR REPLACE TABLE delta.`${out}/frequent_itemsets` AS
WITH itemsets AS (
    SELECT * FROM frequent_itemsets('basket_data', 'items', 'min_support => 0.01')
),
exploded AS (
    SELECT items, freq, support, unnest(items) AS product_id FROM itemsets
)
SELECT e.items, e.freq, e.support,
       array_agg(p.product_name ORDER BY e.product_id) AS product_names
FROM exploded e
JOIN delta.`${data}/products` p ON p.product_id = e.product_id
GROUP BY e.items, e.freq, e.support
ORDER BY e.freq DESC, e.items;

-- Association rules (single-item consequents, as Spark MLlib).
CREATE OR REPLACE TABLE delta.`${out}/association_rules` AS
SELECT *
FROM association_rules('basket_data', 'items', 'min_support => 0.01, min_confidence => 0.5')
ORDER BY lift DESC, antecedent, consequent;

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
