#!/bin/sh
# Entry of every Speaknode service image: apply the service's migrations (when it has them and no
# other command was given), then replace this shell with the server, so the signals the init process
# (`--init`, tini) forwards reach Node directly.
set -eu
if [ -n "${SPEAKNODE_MIGRATE:-}" ] && [ "$#" -eq 0 ]; then
  # shellcheck disable=SC2086 # the migrate arguments are words
  node "$SPEAKNODE_MAIN" $SPEAKNODE_MIGRATE
fi
exec node "$SPEAKNODE_MAIN" "$@"
