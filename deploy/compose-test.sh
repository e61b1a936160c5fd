#!/usr/bin/env bash
# End-to-end test of the compose stack (run by `make compose-test`).
#
# Builds the images (unless SKIP_BUILD=1), starts docker-compose.yml with the
# demo override under a throw-away project with two dedup and two tagger
# replicas, waits (bounded) for alerts, then asserts that the ALERTS stream
# holds no duplicate alert id. It reads the stream the way a user would,
# with `mediawatch alerts tail --since 1h --json`, from a one-shot container
# on the compose network. Always tears the stack down (down -v).
#
# Environment: IMAGE (mediawatch:local), NATS_IMAGE (mediawatch/nats:local),
# COMPOSE ("docker compose", else docker-compose), WAIT_ALERTS (seconds to
# wait for the first alert, 120), MIN_OBSERVE (seconds to keep watching after
# the first alert, 70: past the demo feeds' second poll a minute later, whose
# articles dedup must drop), SETTLE (then: seconds without a new alert before
# counting, 15), MAX_SETTLE (90), KEEP=1 leaves the stack up for inspection.
set -euo pipefail

cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-mediawatch:local}
NATS_IMAGE=${NATS_IMAGE:-mediawatch/nats:local}
WAIT_ALERTS=${WAIT_ALERTS:-120}
MIN_OBSERVE=${MIN_OBSERVE:-70}
SETTLE=${SETTLE:-15}
MAX_SETTLE=${MAX_SETTLE:-90}

project="mwtest$$"
tail_ctr="${project}-alerts-tail"
workdir=$(mktemp -d)
alerts="$workdir/alerts.jsonl"
started=$(date +%s)
name=compose-test
LOG_TAIL=30
# shellcheck source=deploy/lib.sh
source deploy/lib.sh

cleanup() {
	local rc=$?
	docker rm -f "$tail_ctr" >/dev/null 2>&1 || true
	if [[ "${KEEP:-}" == 1 && -n "${stack_up:-}" ]]; then
		log "KEEP=1: stack left running; remove it with: NATS_PORT=$NATS_PORT NATS_MONITOR_PORT=$NATS_MONITOR_PORT $compose down -v"
	elif [[ -n "${compose:-}" ]]; then
		log "tearing down $project"
		$compose down -v --remove-orphans >/dev/null 2>&1 || log "warning: down -v failed for $project"
	fi
	rm -rf "$workdir"
	if [[ $rc -eq 0 ]]; then
		log "PASS"
	else
		log "FAIL (exit $rc): ${failure:-interrupted or unexpected error}" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v docker >/dev/null || fail "docker not found"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
	log "building images $IMAGE and $NATS_IMAGE"
	"${MAKE:-make}" --no-print-directory images IMAGE="$IMAGE" NATS_IMAGE="$NATS_IMAGE" >"$workdir/build.log" 2>&1 ||
		{ tail -40 "$workdir/build.log" >&2; fail "make images failed (log above)"; }
fi
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "image $IMAGE not found (run make images)"
docker image inspect "$NATS_IMAGE" >/dev/null 2>&1 || fail "image $NATS_IMAGE not found (run make images)"

NATS_PORT=$(free_port)
NATS_MONITOR_PORT=$(free_port)
export NATS_IMAGE MEDIAWATCH_IMAGE="$IMAGE" NATS_PORT NATS_MONITOR_PORT
compose="$COMPOSE -p $project -f docker-compose.yml -f deploy/compose.demo.yml"

log "starting $project (nats on 127.0.0.1:$NATS_PORT, dedup x2, tagger x2, demo feeds)"
stack_up=1
$compose up -d --scale tagger=2 --scale dedup=2 >"$workdir/up.log" 2>&1 ||
	{ cat "$workdir/up.log" >&2; fail "compose up failed"; }

# The published client port answers with the NATS INFO line.
info=""
for _ in $(seq 1 30); do
	if exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT" 2>/dev/null; then
		read -r -t 5 info <&3 || true
		exec 3<&- 3>&-
		[[ "$info" == INFO* ]] && break
	fi
	sleep 1
done
[[ "$info" == INFO* ]] || fail "nats does not answer on 127.0.0.1:$NATS_PORT"
log "nats answers on 127.0.0.1:$NATS_PORT"

# Which network the stack runs on (compose v1 and v2 both name it <project>_default).
network=$(docker network ls --filter "label=com.docker.compose.project=$project" --format '{{.Name}}' | head -1)
[[ -n "$network" ]] || network="${project}_default"

docker run -d --name "$tail_ctr" --network "$network" "$IMAGE" \
	alerts tail --nats nats://nats:4222 --since 1h --json >/dev/null ||
	fail "could not start the alerts tail container"

count_alerts() {
	docker logs "$tail_ctr" 2>/dev/null >"$alerts" || true
	grep -c '^{' "$alerts" || true
}

log "waiting up to ${WAIT_ALERTS}s for the first alert"
deadline=$(($(date +%s) + WAIT_ALERTS))
n=0
while :; do
	n=$(count_alerts)
	((n > 0)) && break
	[[ "$(docker inspect -f '{{.State.Running}}' "$tail_ctr" 2>/dev/null)" == true ]] ||
		{ docker logs "$tail_ctr" 2>&1 | tail -20 >&2; fail "the alerts tail container stopped"; }
	(($(date +%s) < deadline)) || fail "no alert within ${WAIT_ALERTS}s"
	sleep 2
done
first_alert=$(($(date +%s) - started))
log "first alert after ${first_alert}s ($n so far); watching for ${MIN_OBSERVE}s (the demo feeds are polled again every minute), then until none arrives for ${SETTLE}s"

observe_until=$(($(date +%s) + MIN_OBSERVE))
settle_deadline=$((observe_until + MAX_SETTLE))
last=$n
quiet_since=$(date +%s)
while (($(date +%s) < settle_deadline)); do
	sleep 3
	n=$(count_alerts)
	if ((n != last)); then
		last=$n
		quiet_since=$(date +%s)
	elif (($(date +%s) >= observe_until && $(date +%s) - quiet_since >= SETTLE)); then
		break
	fi
done
n=$(count_alerts)

# Every replica of every stage must still be running.
running() {
	docker ps -q --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=$1" --filter status=running | wc -l | tr -d ' '
}
declare -A want=([nats]=1 [poller]=1 [dedup]=2 [tagger]=2 [alerter]=1 [notifier]=1)
replicas=""
for s in nats poller dedup tagger alerter notifier; do
	got=$(running "$s")
	replicas+=" $s=$got"
	[[ "$got" == "${want[$s]}" ]] || fail "$s: $got running container(s), want ${want[$s]}"
done
restarts=$(docker ps -aq --filter "label=com.docker.compose.project=$project" |
	xargs docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}:{{.RestartCount}}' |
	awk -F: '$2 > 0 {printf " %s(%s)", $1, $2}')

# Top-level "id" of each alert: the first "id" before any nested object.
ids="$workdir/ids"
sed -n 's/^{[^{]*"id":"\([^"]*\)".*/\1/p' "$alerts" >"$ids"
nids=$(wc -l <"$ids" | tr -d ' ')
unique=$(sort -u "$ids" | wc -l | tr -d ' ')
rules=$(sed -n 's/^{[^{]*"rule":"\([^"]*\)".*/\1/p' "$alerts" | sort | uniq -c | awk '{printf " %s=%s", $2, $1}')
feeds=$(grep -o '"feed":"[^"]*"' "$alerts" | sort | uniq -c | awk '{sub(/"feed":/, "", $2); gsub(/"/, "", $2); printf " %s=%s", $2, $1}')

log "running:$replicas; restarts:${restarts:- none}"
log "alerts in stream ALERTS: $n lines, $nids ids, $unique unique"
log "by rule:${rules:- ?}"
log "by feed:${feeds:- ?}"
log "sample titles:"
grep -o '"title":"[^"]*"' "$alerts" | head -5 | sed 's/^"title":/    /'

((nids == n)) || fail "could not read an id from $((n - nids)) of $n alert lines"
if ((unique != n)); then
	log "duplicated ids:" >&2
	sort "$ids" | uniq -d -c | head -20 >&2
	fail "$((n - unique)) duplicate alert(s) in ALERTS"
fi
log "no duplicate alert ids; total $(($(date +%s) - started))s"
