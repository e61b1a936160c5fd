# Shared by the compose tests (compose-test.sh, e2e-compose.sh): sourced
# after the caller sets `name` (its log prefix), `started` (date +%s),
# `compose` once the stack is defined and `stack_up` once it runs.

# COMPOSE: the v2 plugin when present, else the standalone docker-compose.
if [[ -z "${COMPOSE:-}" ]]; then
	if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi

log() { printf '[%s %3ss] %s\n' "$name" "$(($(date +%s) - started))" "$*"; }

# fail records why the test failed, shows the stack's last logs and exits 1
# (the caller's EXIT trap tears the stack down).
fail() {
	failure="$*"
	log "FAIL: $*" >&2
	if [[ -n "${stack_up:-}" ]]; then
		log "last logs of the stack:" >&2
		$compose logs --no-color --tail "${LOG_TAIL:-30}" >&2 2>&1 || true
	fi
	exit 1
}

# A free host port (bash /dev/tcp: a port nobody answers on). A stack is
# reached through it for checks only; the tests talk to nats on the compose
# network, so a race for the port cannot fake a result.
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}
