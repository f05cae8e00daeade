/* catalog: read pg_catalog (and the statistics views) into NDJSON schema records. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "record.h"

#define USER_NS(n) \
	n ".nspname NOT IN ('pg_catalog', 'information_schema') AND " \
	n ".nspname NOT LIKE 'pg\\_toast%' AND " n ".nspname NOT LIKE 'pg\\_temp\\_%'"

/* Each query yields one column: a record as json, "kind" first (json keeps key order). */
static const char *const queries[] = {
	"SELECT json_build_object('kind', 'schema', 'v', 1, 'object', 'table',"
	" 'schema', n.nspname, 'name', c.relname, 'rls', c.relrowsecurity,"
	" 'rows', c.reltuples::bigint, 'acl', c.relacl::text[],"
	" 'columns', (SELECT coalesce(json_agg(json_build_object('name', a.attname,"
	"   'type', t.typname,"
	"   'typmod', CASE WHEN a.atttypmod >= 4 AND t.typname IN ('varchar', 'bpchar')"
	"     THEN a.atttypmod - 4 ELSE a.atttypmod END,"
	"   'not_null', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid),"
	"   'n_distinct', s.n_distinct) ORDER BY a.attnum), '[]')"
	"   FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
	"   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	"   LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname"
	"     AND s.attname = a.attname"
	"   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),"
	" 'primary_key', (SELECT coalesce(json_agg(a.attname ORDER BY k.i), '[]')"
	"   FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(att, i)"
	"   JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.att"
	"   WHERE p.conrelid = c.oid AND p.contype = 'p'))"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND " USER_NS("n")
	" ORDER BY n.nspname, c.relname",

	"SELECT json_build_object('kind', 'schema', 'v', 1, 'object', 'index',"
	" 'schema', n.nspname, 'table', t.relname, 'name', i.relname, 'method', am.amname,"
	" 'columns', (SELECT json_agg(coalesce(a.attname, '') ORDER BY k.i)"
	"   FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(att, i)"
	"   LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.att"
	"   WHERE k.i <= x.indnkeyatts),"
	" 'unique', x.indisunique, 'partial', x.indpred IS NOT NULL,"
	" 'constraint', EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.oid),"
	" 'idx_scan', s.idx_scan)"
	" FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
	" JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
	" JOIN pg_am am ON am.oid = i.relam"
	" LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.oid"
	" WHERE " USER_NS("n")
	" ORDER BY n.nspname, t.relname, i.relname",

	"SELECT json_build_object('kind', 'schema', 'v', 1, 'object', 'foreign_key',"
	" 'schema', n.nspname, 'table', t.relname, 'name', c.conname,"
	" 'columns', (SELECT json_agg(a.attname ORDER BY k.i)"
	"   FROM unnest(c.conkey) WITH ORDINALITY k(att, i)"
	"   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att),"
	" 'ref_schema', rn.nspname, 'ref_table', r.relname, 'validated', c.convalidated)"
	" FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
	" JOIN pg_namespace n ON n.oid = t.relnamespace"
	" JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace"
	" WHERE c.contype = 'f' AND " USER_NS("n")
	" ORDER BY n.nspname, t.relname, c.conname",

	"SELECT json_build_object('kind', 'schema', 'v', 1, 'object', 'policy',"
	" 'schema', schemaname, 'table', tablename, 'name', policyname, 'command', cmd,"
	" 'roles', roles, 'permissive', permissive = 'PERMISSIVE')"
	" FROM pg_policies ORDER BY schemaname, tablename, policyname",

	"SELECT json_build_object('kind', 'schema', 'v', 1, 'object', 'function',"
	" 'schema', n.nspname, 'name', p.proname,"
	" 'arguments', pg_get_function_identity_arguments(p.oid),"
	" 'security_definer', p.prosecdef, 'config', p.proconfig)"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE " USER_NS("n") " AND p.prokind IN ('f', 'p')"
	" AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
	" ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)",

	"SELECT json_build_object('kind', 'schema', 'v', 1, 'object', 'privilege',"
	" 'schema', n.nspname, 'acl', n.nspacl::text[])"
	" FROM pg_namespace n WHERE " USER_NS("n")
	" ORDER BY n.nspname",
};

long
catalog_snapshot(const char *conninfo, FILE *out, struct conf_error *err)
{
	PGresult *res[sizeof(queries) / sizeof(queries[0])] = { 0 };
	size_t nq = sizeof(queries) / sizeof(queries[0]), q;
	PGconn *conn;
	long n = 0;
	int i, rc = 0;

	if ((conn = db_connect(conninfo, "conf-extract", err)) == NULL)
		return -1;
	if (db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) < 0)
		rc = -1;
	for (q = 0; q < nq && rc == 0; q++)
		if ((res[q] = db_query(conn, queries[q], 0, NULL, err)) == NULL)
			rc = -1;
	if (rc == 0)
		db_exec(conn, "COMMIT", err);
	PQfinish(conn);
	for (q = 0; q < nq && rc == 0; q++) {
		for (i = 0; i < PQntuples(res[q]) && rc == 0; i++) {
			cJSON *rec = cJSON_Parse(PQgetvalue(res[q], i, 0));

			if (!rec) {
				rc = conf_error_set(err, CONF_EXIT_DB, "the server sent a catalog row that is not JSON");
				break;
			}
			if (record_emit(out, rec) < 0)
				rc = conf_error_set(err, CONF_EXIT_USAGE, "could not write output");
			n++;
		}
	}
	for (q = 0; q < nq; q++)
		PQclear(res[q]);
	if (rc == 0 && record_write_end(out, n) < 0)
		rc = conf_error_set(err, CONF_EXIT_USAGE, "could not write output");
	return rc < 0 ? -1 : n;
}
