#!/bin/sh
# deploy-freeze.sh: a before_apply hook in shell.  Refuses every migration while
# the file db/FREEZE exists (its first line says why), so that a team can stop
# deployments with one `echo "release week" > db/FREEZE`.
# Hooks run in the project directory; the context is on stdin (unused here).
if [ -f db/FREEZE ]; then
	echo "deploy freeze: $(head -n 1 db/FREEZE)" >&2
	echo "refusing $CONFITURE_MIGRATION_ID ($CONFITURE_MIGRATION_NAME) on $CONFITURE_DATABASE" >&2
	exit 1
fi
exit 0
