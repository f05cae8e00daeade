/* impact: what a migration will do to the database, predicted from its parse trees and measured. */
#ifndef CONF_IMPACT_H
#define CONF_IMPACT_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "error.h"

/*
 * PostgreSQL's table lock modes, weakest first (the numbering of lockdefs.h).
 * IMPACT_LOCK_NONE: the statement takes no lock on a user table.
 */
enum impact_lock {
	IMPACT_LOCK_NONE = 0,
	IMPACT_LOCK_ACCESS_SHARE,
	IMPACT_LOCK_ROW_SHARE,
	IMPACT_LOCK_ROW_EXCLUSIVE,
	IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE,
	IMPACT_LOCK_SHARE,
	IMPACT_LOCK_SHARE_ROW_EXCLUSIVE,
	IMPACT_LOCK_EXCLUSIVE,
	IMPACT_LOCK_ACCESS_EXCLUSIVE
};

/* "ACCESS EXCLUSIVE", ... ("" for IMPACT_LOCK_NONE). */
const char *impact_lock_name(enum impact_lock mode);
/*
 * The mode named either as the documentation writes it ("SHARE ROW
 * EXCLUSIVE") or as pg_locks does ("ShareRowExclusiveLock"); NONE if unknown.
 */
enum impact_lock impact_lock_parse(const char *name);

/*
 * The static facts of one statement, decided from its parse tree
 * ({"AlterTableStmt":{...}}) following PostgreSQL 15's documented lock
 * levels.  Returns a new object (caller owns it) with:
 *   "locks": [{"table":"posts","mode":"ACCESS EXCLUSIVE"}, ...]  tables as
 *            written, foreign-key targets included, strongest mode per table;
 *   "lock": the strongest mode of all ("" when none);
 *
 * "locks" is about tables (tables, partitioned tables, views, materialized
 * views, foreign tables: what the trial observes), never about indexes,
 * sequences or TOAST relations.  A statement that names an index instead of
 * its table (DROP INDEX, REINDEX INDEX, ALTER INDEX ... ATTACH PARTITION) is
 * recorded under the index's name, with the mode its table gets: the parse
 * tree does not say which table that is, the trial sees the table.  A lock
 * on an index alone (ALTER INDEX ... RENAME or SET, COMMENT ON INDEX) gives
 * no entry, only a note.  Tables PostgreSQL finds in the catalog are not
 * recorded either: the table a dropped foreign key references (ACCESS
 * EXCLUSIVE), the tables a checked foreign key reads (ROW SHARE, on INSERT,
 * UPDATE, DELETE, VALIDATE), the tables of a refreshed materialized view's
 * query (ACCESS SHARE); the strongest mode is right in every such case.
 * tests/impact/lock-forms.tsv lists the forms checked against pg_locks.
 *
 *   "effect": "rewrite" | "scan" | "rows" | "metadata";
 *   "rewrite", "scan": booleans;
 *   "transactional": boolean, and "txn_reason" when false;
 *   "notes": array of strings (why, in words), possibly empty.
 */
cJSON *impact_static(const cJSON *tree);

/*
 * A run: every record of the input, grouped into migrations, with the
 * impact records worked out for them.  Filled by impact_run_read, then by
 * the levels (static, estimate, trial), then written by impact_run_write.
 */
struct impact_mig {
	cJSON *rec;             /* the migration record (borrowed from records) */
	cJSON **stmts;          /* its statement records (borrowed) */
	size_t n;
	cJSON **simpact;        /* one impact record per statement (owned) */
	cJSON *impact;          /* the migration's impact record (owned) */
};

struct impact_run {
	cJSON **records;        /* every input record, in order (owned) */
	size_t nrec;
	struct impact_mig *migs;
	size_t nmig;
	cJSON *error;           /* an error record met in the input (in records) */
};

void impact_run_init(struct impact_run *run);
void impact_run_release(struct impact_run *run);
/*
 * Read every record of fp (named name) until the end record.  A statement
 * whose sql does not parse, a malformed or truncated stream: -1 with err
 * (CONF_EXIT_USAGE).  An error record from upstream stops the reading and
 * is kept in run->error (0 is returned).
 */
int impact_run_read(struct impact_run *run, FILE *fp, const char *name, struct conf_error *err);
/* The static level: fill every simpact and impact record; -1 with err when a statement does not parse. */
int impact_run_static(struct impact_run *run, struct conf_error *err);
/*
 * Risk levels: 0 low, 1 medium, 2 high.  impact_risk_parse returns -1 for
 * an unknown name.  impact_run_risk sets "risk", "reasons" and
 * "recommendations" on every migration impact record from what the levels
 * found, and returns the highest.
 */
const char *impact_risk_name(int risk);
int impact_risk_parse(const char *name);
int impact_run_risk(struct impact_run *run);
/* Write the impact records, then the input records, then the end record. */
int impact_run_write(struct impact_run *run, FILE *out, struct conf_error *err);

/*
 * Name in err's detail the migrations whose risk is above max_risk
 * ("20260101_add_x: high (ACCESS EXCLUSIVE on posts, rewrite)").
 */
void impact_run_blame(const struct impact_run *run, int max_risk, struct conf_error *err);
/*
 * For people: "130.6 MB", "737 kB" (decimal units); "3.6 s", "240 ms".
 * Written into buf, which is returned.
 */
const char *impact_bytes_text(double bytes, char *buf, size_t size);
const char *impact_ms_text(double ms, char *buf, size_t size);
/* Milliseconds on a monotonic clock, with the microseconds (proc_now_ms has whole ms). */
double impact_now_ms(void);

/* Write the report for people: one block per migration, one line per statement. */
void impact_run_text(const struct impact_run *run, FILE *out);

/*
 * The trial level: run each up migration's statements inside a transaction
 * on conn, and after each one record in its impact record's "observed" the
 * locks its own backend took (pg_locks: the strongest new mode per table,
 * named as it was before the statement, so that a renamed table keeps the
 * name the statement wrote; indexes and sequences are left out, as in
 * impact_static), the relations whose relfilenode changed, size changes and the
 * elapsed time.  Statements that cannot run in a transaction are reported
 * as skipped.  When the migration has a down file, the down statements run
 * next in the same transaction and the catalog is compared with a snapshot
 * taken before ("rollback" in the migration's impact record).  Everything is
 * rolled back, and sequences advanced by the trial are set back.  A failing
 * statement is reported in its record, not returned.  Returns -1 with err
 * only when the connection fails.
 */
int impact_run_trial(struct impact_run *run, PGconn *conn, struct conf_error *err);

/*
 * The estimate level, read-only on the target (everything it writes is in
 * a transaction it rolls back).  On the migration impact records: "sizes"
 * (rows, table, index and total bytes of each existing table the migration
 * locks, from pg_class), "blockers" (sessions holding or awaiting locks
 * that conflict with the migration's, from pg_locks and pg_stat_activity),
 * "est_ms" and, for an up migration with a down file, "rollback_est_ms".
 * On DML statement records: "rows_touched" from plain EXPLAIN.
 *
 * Durations come from a probe: in a transaction that is rolled back, the
 * tables the migrations write are copied (LIKE ... INCLUDING ALL, so with
 * their indexes and constraints) into a private schema put first in
 * search_path, with a sample of their rows (referenced rows only for
 * foreign-key targets), and the migrations' own statements run there once
 * on empty copies (the fixed cost) and once on the samples (the cost per
 * row).
 * A statement's estimate is extrapolated to its table's row count, plus
 * what scanning the real table costs above scanning the copy, timed on
 * both ("estimate" on the statement record says how).  A statement
 * that would touch a real table (a schema-qualified name, a name the probe
 * did not copy) is not run: it is reported as not estimated.
 */
struct impact_estimate_opts {
	/*
	 * Rows the probe copies per table: -1 for the default (50,000 rows or
	 * 32 MB of the table, whichever is more), 0 for no probe, or exactly n.
	 */
	long sample_rows;
};

int impact_run_estimate(struct impact_run *run, PGconn *conn,
    const struct impact_estimate_opts *opts, struct conf_error *err);

/* Whether a lock in mode a and one in mode b conflict (PostgreSQL's table). */
int impact_lock_conflicts(enum impact_lock a, enum impact_lock b);

/*
 * Sequences: the state of every sequence (impact_seq_save, PQclear it),
 * and setting back the ones that moved since (nextval is never rolled back).
 */
PGresult *impact_seq_save(PGconn *conn, struct conf_error *err);
int impact_seq_restore(PGconn *conn, PGresult *before, struct conf_error *err);

#endif
