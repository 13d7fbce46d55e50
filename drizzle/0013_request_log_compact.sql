-- The request log's batches become one compact JSON document each, in a text column stored uncompressed (see
-- src/access/request-log/batch-document.ts for the shape and src/access/tables.ts for the measurements). Rows written
-- before keep their entries: each array of tuples [at ms, method, path, status, upstream status, duration ms, retries,
-- request id, API key id] is rewritten as the document, with the same entries in the same order.
ALTER TABLE "request_log_batches" ALTER COLUMN "entries" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "request_log_batches" ALTER COLUMN "entries" SET STORAGE EXTERNAL;--> statement-breakpoint
WITH "tuples" AS (
	SELECT b."id", e.n, e.v, (e.v->>0)::bigint AS at_ms, e.v->>1 AS method, e.v->>2 AS path, e.v->>8 AS key
	FROM "request_log_batches" b CROSS JOIN LATERAL json_array_elements(b."entries"::json) WITH ORDINALITY AS e(v, n)
	WHERE left(b."entries", 1) = '['
), "paths" AS (
	SELECT "id", method, path, (row_number() OVER (PARTITION BY "id" ORDER BY min(n)) - 1)::int AS i
	FROM "tuples" GROUP BY "id", method, path
), "keys" AS (
	SELECT "id", key, (row_number() OVER (PARTITION BY "id" ORDER BY min(n)) - 1)::int AS i
	FROM "tuples" GROUP BY "id", key
), "firsts" AS (
	SELECT DISTINCT ON ("id") "id", at_ms AS t FROM "tuples" ORDER BY "id", n
), "documents" AS (
	SELECT f."id", json_build_object(
		't', f.t,
		'p', (SELECT json_agg(json_build_array(p.method, p.path) ORDER BY p.i) FROM "paths" p WHERE p."id" = f."id"),
		'k', (SELECT json_agg(k.key ORDER BY k.i) FROM "keys" k WHERE k."id" = f."id"),
		'e', (SELECT json_agg(json_build_array(t.at_ms - f.t, p.i, t.v->3, t.v->4, t.v->5, t.v->6, t.v->7, k.i) ORDER BY t.n)
			FROM "tuples" t
			JOIN "paths" p ON p."id" = t."id" AND p.method = t.method AND p.path = t.path
			JOIN "keys" k ON k."id" = t."id" AND k.key = t.key
			WHERE t."id" = f."id")
	)::text AS document
	FROM "firsts" f
)
UPDATE "request_log_batches" b SET "entries" = d.document FROM "documents" d WHERE b."id" = d."id";
