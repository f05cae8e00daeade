/* impact/estimate.h: what the estimate level and its probe share (internal to lib/impact). */
#ifndef CONF_IMPACT_ESTIMATE_H
#define CONF_IMPACT_ESTIMATE_H

#include "impact/impact.h"

/* One table the migrations lock, as the catalog describes it now. */
struct estimate_table {
	char *name;             /* as the statements write it ("orders", "app.orders") */
	int exists;             /* the fields below are set only when it does */
	char *oid;
	char *qname;            /* quoted and schema-qualified */
	char *relname;          /* the bare name */
	char *cols;             /* its non-generated columns, quoted, comma-separated */
	char relkind;
	int indexes;
	double rows;            /* pg_class.reltuples, or the planner's guess */
	double bytes, table_bytes, index_bytes;
	int sizes_locked;       /* locked by another session: sizes from pg_class.relpages */
	/* The probe's bookkeeping. */
	long same_as;           /* another name of the same table: its index, or -1 */
	int copy;               /* 1 when the probe copies it */
	char *copy_error;       /* why copying it failed */
	int referenced_only;    /* copied as a foreign key's target: only referenced rows */
	double sample;          /* rows to copy: --sample-rows, or more to make PROBE_MIN_BYTES */
	double copied[2];       /* rows copied: the small copy (0) and the sample (1) */
	double read_extra;      /* ms per row a scan of the real table costs above one of the copy */
};

struct estimate_tables {
	struct estimate_table *v;
	size_t n;
};

/*
 * The table as the statements name it, or NULL.  Two names of one table
 * ("t" and "public.t") give the same entry.
 */
struct estimate_table *estimate_table_find(const struct estimate_tables *ts, const char *name);
/*
 * Add the table the statements name `name` (once), with what the catalog
 * says of it; call it inside a transaction (its sizes are read in
 * rolled-back savepoints).  May move ts->v.  -1 with err.
 */
int estimate_table_add(struct estimate_tables *ts, PGconn *conn, const char *name,
    struct conf_error *err);
void estimate_tables_release(struct estimate_tables *ts);

/*
 * The planner's rows for sql (plain EXPLAIN in a savepoint rolled back at
 * once: call it inside a transaction): the rows of the plan, or of the scan
 * below a ModifyTable; and, when cost is not NULL, the whole plan's total
 * cost there (-1 when unknown).  -1 when the statement cannot be planned (a
 * table that does not exist yet); -2 with err when the connection failed.
 */
double estimate_explain(PGconn *conn, const char *sql, double *cost, struct conf_error *err);

/*
 * The probe (see impact_run_estimate): fills "est_ms" and "estimate" on
 * statement records and "est_ms", "rollback_est_ms" and "estimate" on
 * migration records.  -1 with err only when the connection fails.
 */
int estimate_probe(struct impact_run *run, PGconn *conn, struct estimate_tables *ts,
    long sample_rows, struct conf_error *err);

#endif
