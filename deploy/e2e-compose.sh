#!/usr/bin/env bash
# The cluster end-to-end test (make e2e-compose; .ci/run runs it when a Docker
# engine answers).
#
# The three-node cluster stack (deploy/compose.cluster.yml, nats.replicas 3)
# with deploy/compose.e2e.yml: 2 pollers, 2 dedup, 3 taggers, 2 alerters and a
# feed-server container releasing E2E_ARTICLES generated articles (2,000)
# across E2E_FEEDS feeds (50) over E2E_SPAN (150s); some name a watched
# entity, about one in ten is carried by two feeds. Once alerts flow it kills
# one NATS node (docker kill), waits, starts it again; kills one tagger;
# scales the taggers from 3 to 5. When the pipeline is idle it reads the
# ALERTS stream (alerts tail --since --json) and the stages' state (status
# --json) and prints a ledger: every expected alert exactly once, no other
# alert, nothing pending, the DLQ empty. Then down -v, whatever happened.
#
# Environment: IMAGE (mediawatch:local), NATS_IMAGE (mediawatch/nats:local;
# nats:2 for the official one), E2E_FEEDS_IMAGE (mediawatch/e2e-feeds:local),
# COMPOSE ("docker compose", else docker-compose), SKIP_BUILD=1 (images
# already built), NODE_DOWN (seconds the node stays down, 20), DEADLINE
# (seconds for the whole run after up, 600), KEEP=1 (leave the stack up).
set -euo pipefail

cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-mediawatch:local}
NATS_IMAGE=${NATS_IMAGE:-mediawatch/nats:local}
E2E_FEEDS_IMAGE=${E2E_FEEDS_IMAGE:-mediawatch/e2e-feeds:local}
E2E_ARTICLES=${E2E_ARTICLES:-2000}
E2E_FEEDS=${E2E_FEEDS:-50}
E2E_SPAN=${E2E_SPAN:-150s}
NODE_DOWN=${NODE_DOWN:-20}
DEADLINE=${DEADLINE:-600}
GO=${GO:-go}

project="mwe2e$$"
workdir=$(mktemp -d)
started=$(date +%s)
name=e2e-compose
LOG_TAIL=15
# shellcheck source=deploy/lib.sh
source deploy/lib.sh
NATS_URLS="nats://nats1:4222,nats://nats2:4222,nats://nats3:4222"

cleanup() {
	local rc=$?
	docker rm -f "${project}-tail" >/dev/null 2>&1 || true
	if [[ "${KEEP:-}" == 1 && -n "${stack_up:-}" ]]; then
		log "KEEP=1: stack left running; remove it with: $compose down -v"
	elif [[ -n "${compose:-}" ]]; then
		log "down -v $project"
		$compose down -v --remove-orphans >/dev/null 2>&1 || log "warning: down -v failed for $project"
	fi
	rm -rf "$workdir"
	if [[ $rc -eq 0 ]]; then log "PASS"; else log "FAIL (exit $rc): ${failure:-interrupted or unexpected error}" >&2; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v docker >/dev/null || fail "docker not found"
docker info >/dev/null 2>&1 || fail "no Docker engine answers"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
	log "building images $IMAGE, $NATS_IMAGE and $E2E_FEEDS_IMAGE"
	"${MAKE:-make}" --no-print-directory images e2e-images IMAGE="$IMAGE" NATS_IMAGE="$NATS_IMAGE" E2E_FEEDS_IMAGE="$E2E_FEEDS_IMAGE" >"$workdir/build.log" 2>&1 ||
		{ tail -40 "$workdir/build.log" >&2; fail "make images e2e-images failed (log above)"; }
fi
for i in "$IMAGE" "$NATS_IMAGE" "$E2E_FEEDS_IMAGE"; do
	docker image inspect "$i" >/dev/null 2>&1 || fail "image $i not found (make images e2e-images)"
done

# The host's copy of the generator: the config and the expected alerts.
$GO build -o "$workdir/e2e" ./deploy/e2e || fail "build deploy/e2e"
gen=(--articles "$E2E_ARTICLES" --feeds "$E2E_FEEDS" --span "$E2E_SPAN")
"$workdir/e2e" config "${gen[@]}" --url http://feeds:8080 >"$workdir/e2e.yaml"
chmod 644 "$workdir/e2e.yaml"
chmod 755 "$workdir"
"$workdir/e2e" expected "${gen[@]}" >"$workdir/expected"
expected=$(wc -l <"$workdir/expected" | tr -d ' ')

NATS_PORT=$(free_port)
NATS_MONITOR_PORT=$(free_port)
E2E_CONFIG="$workdir/e2e.yaml"
export NATS_IMAGE MEDIAWATCH_IMAGE="$IMAGE" E2E_FEEDS_IMAGE NATS_PORT NATS_MONITOR_PORT E2E_CONFIG E2E_ARTICLES E2E_FEEDS E2E_SPAN
compose="$COMPOSE -p $project -f deploy/compose.cluster.yml -f deploy/compose.e2e.yml"
scale() { echo "--scale poller=2 --scale dedup=2 --scale tagger=$1 --scale alerter=2"; }

log "up: 3 NATS nodes, poller x2, dedup x2, tagger x3, alerter x2, feeds ($E2E_ARTICLES articles in $E2E_FEEDS feeds over $E2E_SPAN; $expected alerts expected)"
stack_up=1
# shellcheck disable=SC2046
$compose up -d $(scale 3) >"$workdir/up.log" 2>&1 || { cat "$workdir/up.log" >&2; fail "compose up failed"; }
network=$(docker network ls --filter "label=com.docker.compose.project=$project" --format '{{.Name}}' | head -1)
[[ -n "$network" ]] || network="${project}_default"

ctr() { # the containers of a service
	docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1" "${@:2}"
}
mw() { # a one-shot mediawatch command on the stack's network
	docker run --rm --network "$network" "$IMAGE" "$@" --nats "$NATS_URLS"
}
status_json() { mw status --json --sample 0 2>/dev/null; }
stored_alerts() { status_json | tr -d ' \n' | sed -n 's/.*"ALERTS":\([0-9]*\).*/\1/p'; }

deadline=$(($(date +%s) + DEADLINE))
log "waiting for the first alerts (the cluster elects its leaders first)"
while :; do
	n=$(stored_alerts || true)
	[[ -n "$n" && "$n" -gt 0 ]] && break
	(($(date +%s) < deadline)) || fail "no alert before the deadline"
	sleep 3
done
log "alerts flowing ($n stored)"

node=$(ctr nats2)
log "docker kill nats2 ($node)"
docker kill "$node" >/dev/null
sleep "$NODE_DOWN"
log "alerts stored with nats2 down for ${NODE_DOWN}s: $(stored_alerts || echo '?')"
docker start "$node" >/dev/null
log "nats2 started again"

tagger=$(ctr tagger | head -1)
log "docker kill one tagger ($tagger)"
docker kill "$tagger" >/dev/null
sleep 5
log "scaling taggers to 5"
# shellcheck disable=SC2046
$compose up -d --no-recreate $(scale 5) >>"$workdir/up.log" 2>&1 || { tail -20 "$workdir/up.log" >&2; fail "scale up failed"; }
log "taggers running: $(ctr tagger --filter status=running | wc -l | tr -d ' ')"

# Idle: every expected alert stored (or no new one for a while after the
# articles' span), and no stage but the poller with anything pending.
log "waiting for the pipeline to finish"
last=-1
quiet=0
while :; do
	st=$(status_json || true)
	n=$(echo "$st" | tr -d ' \n' | sed -n 's/.*"ALERTS":\([0-9]*\).*/\1/p')
	busy=$(echo "$st" | tr -d ' \n' | grep -o '"stage":"[a-z-]*","stream":"[A-Z]*","stored":[0-9]*,"pending":[0-9]*,"ack_pending":[0-9]*' |
		grep -v '"stage":"poller"' | grep -vc '"pending":0,"ack_pending":0' || true)
	if [[ "$n" == "$last" ]]; then quiet=$((quiet + 5)); else quiet=0; last=$n; fi
	if [[ -n "$n" && "$n" -ge "$expected" && "$busy" == 0 ]] || ((quiet >= 60)); then
		break
	fi
	(($(date +%s) < deadline)) || { log "deadline reached"; break; }
	sleep 5
done
log "idle: $n alerts stored, $busy stage(s) busy"

# The ALERTS stream as a subscriber of alerts.> replays it, then the state.
docker run -d --name "${project}-tail" --network "$network" "$IMAGE" alerts tail --since 24h --json --nats "$NATS_URLS" >/dev/null
prev=-1
for _ in $(seq 1 30); do
	sleep 2
	docker logs "${project}-tail" >"$workdir/alerts" 2>/dev/null || true
	c=$(grep -c '^{' "$workdir/alerts" || true)
	[[ "$c" == "$prev" && "$c" -gt 0 ]] && break
	prev=$c
done
docker rm -f "${project}-tail" >/dev/null 2>&1 || true
# The pollers keep polling (every feed every 10s, 304s by now): a ticket
# in hand at the moment of the snapshot is not a backlog. Take the
# snapshot when none is, within 10 tries; the ledger fails on one stuck.
for _ in $(seq 1 10); do
	status_json >"$workdir/status.json" || fail "status --json failed"
	tr -d ' \n' <"$workdir/status.json" | grep -q '"stage":"poller","stream":"POLLS","stored":[0-9]*,"pending":[0-9]*,"ack_pending":0' && break
	sleep 1
done

restarts=$(docker ps -aq --filter "label=com.docker.compose.project=$project" |
	xargs docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}:{{.RestartCount}}' |
	awk -F: '$2 > 0 {printf " %s(%s)", $1, $2}')
log "containers restarted by docker:${restarts:- none}"
running=""
for s in nats1 nats2 nats3 feeds poller dedup tagger alerter notifier; do
	running+=" $s=$(ctr "$s" --filter status=running | wc -l | tr -d ' ')"
done
log "running:$running"

"$workdir/e2e" ledger --expected "$workdir/expected" --alerts "$workdir/alerts" --status "$workdir/status.json" || fail "the ledger does not balance"
log "total $(($(date +%s) - started))s"
