-- Seed scenario 17: Graph Analysis (GraphFrames in the seed).
--
-- Statistics, degree distribution, most connected entities, PageRank, communities by
-- label propagation, connected components, triangle counts, shortest paths to the
-- top-10 PageRank entities, motifs (directed triangles, three-edge stars), entity
-- similarity by common neighbours, and the dashboard view.
--
-- Differences from the seed, on purpose:
-- - PageRank runs to convergence (tol 1e-9) instead of a fixed 10 iterations, so the
--   ranking does not depend on an arbitrary stopping point. Scores sum to 1 (networkx's
--   convention); GraphFrames reports them scaled to sum to the number of vertices.
-- - The seed's dashboard reads degree_results, which it never writes; it is written here.
-- - Motifs count distinct vertices and distinct edges: GraphFrames' find() also matches
--   degenerate patterns (b = c, repeated parallel edges). A hub's star patterns are
--   summarised per hub (C(k, 3) for k out-neighbours) rather than listed: a hub with 200
--   out-neighbours alone would list 1.3 million rows.
-- - Common neighbours join the edges on the shared neighbour instead of crossing every
--   pair of vertices first, which gives the same counts without the N^2 cross join.
--
-- Variables: ${data} holds the Delta tables entities and relationships;
--            ${out} receives the Delta outputs.
-- Run:       ignis -f sql/17_graph_analysis.sql --set data=DIR --set out=DIR

CREATE OR REPLACE VIEW vertices AS SELECT * FROM delta.`${data}/entities`;
CREATE OR REPLACE VIEW edges AS SELECT * FROM delta.`${data}/relationships`;

-- Basic graph statistics.
SELECT
    (SELECT COUNT(*) FROM vertices) AS number_of_vertices,
    (SELECT COUNT(*) FROM edges)    AS number_of_edges;

-- Degrees of every vertex (the dashboard joins this table).
CREATE OR REPLACE TABLE delta.`${out}/degree_results` AS
SELECT id, in_degree, out_degree, degree, now() AS analysis_date
FROM graph_degrees('edges', 'vertices')
ORDER BY id;

-- Degree statistics. GraphFrames' inDegrees/outDegrees/degrees only list vertices that
-- have such edges, so the statistics skip zeros the same way.
SELECT
    'in_degree' AS measure, MIN(in_degree) AS min, MAX(in_degree) AS max, AVG(in_degree) AS avg
FROM delta.`${out}/degree_results` WHERE in_degree > 0
UNION ALL
SELECT 'out_degree', MIN(out_degree), MAX(out_degree), AVG(out_degree)
FROM delta.`${out}/degree_results` WHERE out_degree > 0
UNION ALL
SELECT 'degree', MIN(degree), MAX(degree), AVG(degree)
FROM delta.`${out}/degree_results` WHERE degree > 0;

-- Degree distribution: how many vertices have each total degree.
SELECT degree, COUNT(*) AS vertices
FROM delta.`${out}/degree_results`
GROUP BY degree
ORDER BY degree;

-- Top 10 most connected entities.
SELECT d.id, v.name, v.type, d.degree
FROM delta.`${out}/degree_results` d JOIN vertices v ON v.id = d.id
ORDER BY d.degree DESC, d.id
LIMIT 10;

-- PageRank (reset probability 0.15, as the seed).
CREATE OR REPLACE TABLE delta.`${out}/pagerank_results` AS
SELECT v.id, v.name, v.type, v.properties, p.pagerank, now() AS analysis_date
FROM pagerank('edges', 'vertices', 'reset_probability => 0.15, max_iter => 100, tol => 1e-9') p
JOIN vertices v ON v.id = p.id
ORDER BY p.pagerank DESC, v.id;

-- Top 10 influential entities.
SELECT id, name, type, pagerank
FROM delta.`${out}/pagerank_results`
ORDER BY pagerank DESC, id
LIMIT 10;

-- Communities by label propagation (5 iterations, as the seed).
CREATE OR REPLACE TABLE delta.`${out}/community_results` AS
SELECT v.id, v.name, v.type, v.properties, c.label, now() AS analysis_date
FROM label_propagation('edges', 'vertices', 'max_iter => 5') c
JOIN vertices v ON v.id = c.id
ORDER BY v.id;

SELECT label, COUNT(*) AS count
FROM delta.`${out}/community_results`
GROUP BY label
ORDER BY count DESC, label
LIMIT 20;

-- Connected components (weak, as GraphFrames' connectedComponents).
CREATE OR REPLACE TABLE delta.`${out}/connected_components` AS
SELECT v.id, v.name, v.type, v.properties, c.component, now() AS analysis_date
FROM connected_components('edges', 'vertices') c
JOIN vertices v ON v.id = c.id
ORDER BY v.id;

SELECT component, COUNT(*) AS count
FROM delta.`${out}/connected_components`
GROUP BY component
ORDER BY count DESC, component
LIMIT 20;

-- Triangle count per vertex.
CREATE OR REPLACE TABLE delta.`${out}/triangle_counts` AS
SELECT v.id, v.name, v.type, v.properties, t.count, now() AS analysis_date
FROM triangle_count('edges', 'vertices') t
JOIN vertices v ON v.id = t.id
ORDER BY v.id;

SELECT AVG(count) AS avg_triangles_per_vertex FROM delta.`${out}/triangle_counts`;

-- Shortest paths (hops along edge direction) from every vertex to each of the top-10
-- PageRank entities; only reachable pairs are listed.
CREATE OR REPLACE TABLE delta.`${out}/shortest_paths` AS
SELECT id, landmark, distance, now() AS analysis_date
FROM shortest_paths('edges',
    'SELECT id FROM delta.`${out}/pagerank_results` ORDER BY pagerank DESC, id LIMIT 10')
ORDER BY landmark, id;

SELECT AVG(distance) AS avg_shortest_path_length
FROM delta.`${out}/shortest_paths`
WHERE distance > 0;

-- Motifs. Distinct edges without self loops.
CREATE OR REPLACE VIEW simple_edges AS
SELECT DISTINCT src, dst FROM edges WHERE src <> dst;

-- Directed triangles (a)->(b)->(c)->(a); each cycle appears once per rotation, as in
-- GraphFrames.
CREATE OR REPLACE TABLE delta.`${out}/triangle_motifs` AS
SELECT ab.src AS a, ab.dst AS b, bc.dst AS c, now() AS analysis_date
FROM simple_edges ab
JOIN simple_edges bc ON bc.src = ab.dst
JOIN simple_edges ca ON ca.src = bc.dst AND ca.dst = ab.src
ORDER BY a, b, c;

SELECT COUNT(*) AS number_of_triangles FROM delta.`${out}/triangle_motifs`;

-- Hubs: (a)->(b); (a)->(c); (a)->(d) with distinct b, c, d.
CREATE OR REPLACE TABLE delta.`${out}/hub_motifs` AS
SELECT
    src AS a,
    COUNT(*) AS out_neighbours,
    CAST(COUNT(*) AS BIGINT) * (COUNT(*) - 1) * (COUNT(*) - 2) / 6 AS star_patterns,
    now() AS analysis_date
FROM simple_edges
GROUP BY src
HAVING COUNT(*) >= 3
ORDER BY out_neighbours DESC, a;

SELECT
    COUNT(*) AS hub_vertices,
    SUM(star_patterns) AS number_of_hub_patterns
FROM delta.`${out}/hub_motifs`;

-- Entity similarity: pairs of entities pointing at the same neighbours.
CREATE OR REPLACE TABLE delta.`${out}/entity_similarity` AS
SELECT e1.src AS id1, e2.src AS id2, COUNT(*) AS common_neighbors, now() AS analysis_date
FROM simple_edges e1
JOIN simple_edges e2 ON e2.dst = e1.dst AND e2.src <> e1.src
GROUP BY e1.src, e2.src
ORDER BY common_neighbors DESC, id1, id2
LIMIT 100;

SELECT id1, id2, common_neighbors
FROM delta.`${out}/entity_similarity`
ORDER BY common_neighbors DESC, id1, id2
LIMIT 10;

-- Graph analysis dashboard view.
CREATE OR REPLACE VIEW graph_analysis_dashboard AS
SELECT
    v.id,
    v.name,
    v.type,
    v.properties,
    d.degree,
    pr.pagerank,
    tc.count AS triangle_count,
    cc.label AS community,
    comp.component
FROM vertices v
LEFT JOIN (SELECT id, degree FROM delta.`${out}/degree_results`) d ON v.id = d.id
LEFT JOIN (SELECT id, pagerank FROM delta.`${out}/pagerank_results`) pr ON v.id = pr.id
LEFT JOIN (SELECT id, count FROM delta.`${out}/triangle_counts`) tc ON v.id = tc.id
LEFT JOIN (SELECT id, label FROM delta.`${out}/community_results`) cc ON v.id = cc.id
LEFT JOIN (SELECT id, component FROM delta.`${out}/connected_components`) comp ON v.id = comp.id;

SELECT * FROM graph_analysis_dashboard ORDER BY pagerank DESC, id LIMIT 10;
