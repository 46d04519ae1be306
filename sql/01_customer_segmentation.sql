-- Seed scenario 1: Customer Segmentation Analysis.
--
-- RFM (recency, frequency, monetary) per customer joined with demographics, the elbow
-- method for k = 2..10, k-means clustering with k chosen automatically (the seed
-- hard-codes k = 4 "determined programmatically in production"; here it is), the
-- cluster profile, and the classic RFM score segments marketing teams ask for next.
--
-- Variables: ${data} holds the Delta tables transactions and customers;
--            ${out} receives the Delta outputs.
-- Run:       ignis -f sql/01_customer_segmentation.sql --set data=DIR --set out=DIR

-- RFM metrics: rfm() returns {recency, frequency, monetary}, recency in days up to
-- current_date, as the seed's datediff(current_date(), max(transaction_date)).
CREATE OR REPLACE VIEW rfm_data AS
SELECT
    customer_id,
    m['recency']   AS recency,
    m['frequency'] AS frequency,
    m['monetary']  AS monetary
FROM (
    SELECT customer_id, rfm(transaction_date, amount) AS m
    FROM delta.`${data}/transactions`
    GROUP BY customer_id
) per_customer;

-- Join with customer demographics.
CREATE OR REPLACE VIEW customer_features AS
SELECT r.customer_id, r.recency, r.frequency, r.monetary, c.age, c.gender, c.city
FROM rfm_data r
JOIN delta.`${data}/customers` c ON c.customer_id = r.customer_id;

-- Elbow method: WCSS (and silhouette) for k = 2..10 on standardised features.
CREATE OR REPLACE TABLE delta.`${out}/kmeans_elbow` AS
SELECT *
FROM kmeans_elbow('customer_features', 'recency, frequency, monetary, age',
                  'k_min => 2, k_max => 10, seed => 1')
ORDER BY k;

-- Final model: k chosen by the best silhouette over the same range.
CREATE OR REPLACE TABLE delta.`${out}/customer_segments` AS
SELECT
    customer_id, recency, frequency, monetary, age, gender, city,
    cluster_id AS prediction,
    distance
FROM kmeans('customer_features', 'recency, frequency, monetary, age',
            'k => auto, k_min => 2, k_max => 10, seed => 1')
ORDER BY customer_id;

-- Cluster characteristics.
CREATE OR REPLACE TABLE delta.`${out}/cluster_analysis` AS
SELECT
    prediction,
    AVG(recency)       AS avg_recency,
    AVG(frequency)     AS avg_frequency,
    AVG(monetary)      AS avg_monetary,
    AVG(age)           AS avg_age,
    COUNT(customer_id) AS cluster_size
FROM delta.`${out}/customer_segments`
GROUP BY prediction
ORDER BY prediction;

-- RFM scores (1-5, 5 best) and named segments.
CREATE OR REPLACE TABLE delta.`${out}/rfm_segments` AS
SELECT
    customer_id, recency, frequency, monetary, r_score, f_score, m_score,
    rfm_segment(r_score, f_score, m_score) AS segment
FROM (
    SELECT *,
        ntile(5) OVER (ORDER BY recency DESC) AS r_score,
        ntile(5) OVER (ORDER BY frequency)    AS f_score,
        ntile(5) OVER (ORDER BY monetary)     AS m_score
    FROM rfm_data
) scored
ORDER BY customer_id;

-- Display the cluster analysis, as the seed does.
SELECT * FROM delta.`${out}/cluster_analysis`;
