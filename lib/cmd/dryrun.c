/* dryrun: --dry-run and the risk gate of build and migrate, through conf-impact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"
#include "pipeline.h"
#include "project.h"
#include "strvec.h"

/* conf-impact at a level: static (no database), the estimate, or the trial too. */
static void
impact_argv(const struct cmd_project *cp, enum cmd_impact_level level, struct strvec *argv)
{
	strvec_push(argv, "conf-impact");
	if (level == CMD_IMPACT_STATIC)
		return;
	cmd_project_args(cp, argv);
	strvec_push(argv, "--estimate");
	if (level == CMD_IMPACT_TRIAL)
		strvec_push(argv, "--trial");
}

const char *
cmd_max_risk(const struct cmd_project *cp, const char *given, char *buf, size_t len)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct project p;
	const char *v;

	if (given)
		return given;
	if (project_load(&p, cp->root, cp->env, cp->db, &err) < 0) {
		project_release(&p);
		return NULL;   /* the pipeline reports it */
	}
	v = ynode_str(ynode_path(p.env.root, "migration.max_risk"), NULL);
	if (v)
		snprintf(buf, len, "%s", v);
	project_release(&p);
	return v ? buf : NULL;
}

void
cmd_impact_stage(const struct cmd_project *cp, const char *max_risk, enum cmd_impact_level level,
    struct strvec *argv)
{
	impact_argv(cp, level, argv);
	strvec_push(argv, "--max-risk");
	strvec_push(argv, max_risk);
}

static int
print_line(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
	return 0;
}

int
cmd_dry_run(const struct cmd_project *cp, const char *const *extract, const char *max_risk,
    enum cmd_impact_level level)
{
	struct strvec impact = STRVEC_INIT;
	struct pipeline_stage st[2];
	struct conf_error err = CONF_ERROR_INIT;
	int rc;

	impact_argv(cp, level, &impact);
	strvec_push(&impact, "--format");
	strvec_push(&impact, cp->json ? "json" : "text");
	if (max_risk) {
		strvec_push(&impact, "--max-risk");
		strvec_push(&impact, max_risk);
	}
	memset(st, 0, sizeof(st));
	st[0].argv = (const char **)extract;
	st[1].argv = impact.v;
	rc = pipeline_run(st, 2, print_line, NULL, &err);
	if (rc < 0) {
		fprintf(stderr, "confiture: %s\n", err.message);
		rc = err.code;
	}
	if (!cp->json)
		fprintf(stderr, "dry run: nothing was changed%s\n",
		    rc == 1 ? " (the risk is above --max-risk: a real run would refuse)" : "");
	strvec_clear(&impact);
	return rc;
}
