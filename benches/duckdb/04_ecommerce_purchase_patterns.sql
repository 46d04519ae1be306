-- DuckDB peer of sql/04_ecommerce_purchase_patterns.sql. DuckDB reads the Parquet files
-- of the generated Delta tables directly (each is a single commit without deletes, so
-- the files are exactly the table); outputs are written as Parquet.
CREATE OR REPLACE VIEW enriched_transactions AS
SELECT t.transaction_id, t.order_id, t.customer_id, t.product_id, t.quantity, t.price, t.amount,
    t.transaction_date, p.product_name, p.category, p.brand, c.age, c.gender, c.city
FROM read_parquet('${data}/transactions/**/*.parquet') t
JOIN read_parquet('${data}/products/**/*.parquet') p ON t.product_id = p.product_id
JOIN read_parquet('${data}/customers/**/*.parquet') c ON t.customer_id = c.customer_id;

COPY (
SELECT product_id, product_name, category, COUNT(transaction_id) AS sales_count,
    SUM(quantity) AS units_sold, ROUND(SUM(amount), 2) AS revenue
FROM enriched_transactions GROUP BY product_id, product_name, category ORDER BY revenue DESC, product_id
) TO '${out}/product_metrics.parquet';

COPY (
SELECT category, COUNT(transaction_id) AS sales_count, SUM(quantity) AS units_sold, ROUND(SUM(amount), 2) AS revenue
FROM enriched_transactions GROUP BY category ORDER BY revenue DESC, category
) TO '${out}/category_metrics.parquet';

COPY (
SELECT category, CAST(month(transaction_date) AS INT) AS month, ROUND(SUM(amount), 2) AS revenue
FROM enriched_transactions GROUP BY 1, 2 ORDER BY category, month
) TO '${out}/seasonal_trends.parquet';

CREATE OR REPLACE TABLE customer_patterns AS
SELECT customer_id, COUNT(transaction_id) AS transaction_count, COUNT(DISTINCT product_id) AS unique_products,
    ROUND(SUM(amount), 2) AS total_spend, AVG(amount) AS avg_transaction_value,
    date_diff('day', CAST(MAX(transaction_date) AS DATE), current_date) AS days_since_last_purchase
FROM enriched_transactions GROUP BY customer_id;
COPY customer_patterns TO '${out}/customer_patterns.parquet';

COPY (
SELECT * FROM (SELECT *, RANK() OVER (ORDER BY total_spend DESC) AS spend_rank FROM customer_patterns) ranked
WHERE spend_rank <= 100 ORDER BY spend_rank, customer_id
) TO '${out}/high_value_customers.parquet';
