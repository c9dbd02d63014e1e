#!/usr/bin/env bash
# Fuzzes the API from its own document: schemathesis generates requests from /api/openapi.json
# (valid ones, and invalid ones that must be refused) and checks every answer against it — no 5xx,
# statuses, content types, headers and bodies as documented, valid data taken, invalid data
# refused, auth enforced. Runs a debug server on a temporary SQLite file; see docs/api.md
# ("Generating clients and fuzzing").
# Usage: tests/fuzz/schemathesis.sh [extra schemathesis options, e.g. --max-examples 200]
#   AGENTDESK_BIN   the server to fuzz (default: cargo build, then target/debug/agentdesk)
#   FUZZ_PORT       its port (default 18600)
#   FUZZ_CHECKS     schemathesis checks (default all); FUZZ_EXAMPLES cases per operation (25)
#   SCHEMATHESIS_VENV  where schemathesis is installed (default: <target>/venv-schemathesis)
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
target_dir=${CARGO_TARGET_DIR:-target}
venv=${SCHEMATHESIS_VENV:-$target_dir/venv-schemathesis}
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

bin=${AGENTDESK_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet --bin agentdesk
  bin="$target_dir/debug/agentdesk"
fi
port=${FUZZ_PORT:-18600}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
email=fuzz@example.com
password=fuzz-password-1

# Replies and mail stay on this machine: channel servers on loopback only, mail to a folder.
export DATABASE_URL=$work/fuzz.db AGENTDESK_BIND=127.0.0.1:$port RUST_LOG=warn \
  MAIL_OUTBOX_DIR=$work/outbox CHANNEL_ALLOWED_NETWORKS=127.0.0.0/8 DELIVERY_TIMEOUT_SECONDS=2
AGENTDESK_PASSWORD=$password "$bin" create-manager --name Fuzz --email $email >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "$base/ready" >/dev/null && break; sleep 0.1; done

seed=$(python3 tests/fuzz/seed.py "$base" $email $password)
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$seed" "$1"; }
export FUZZ_MANAGER_ID=$(field agent_id) FUZZ_CHANNEL_ID=$(field channel_id)
export PYTHONPATH=tests/fuzz SCHEMATHESIS_HOOKS=hooks

run() {
  "$venv/bin/schemathesis" --config-file tests/fuzz/schemathesis.toml run "$base/api/openapi.json" --url "$base" \
    --checks "${FUZZ_CHECKS:-all}" --max-examples "${FUZZ_EXAMPLES:-25}" --seed 1 --workers 1 \
    --request-timeout 20 --suppress-health-check filter_too_much,too_slow \
    -H "apiKey: $(field api_key)" "$@"
}
status=0
# GetEvents is a stream that lasts as long as its session: nothing to fuzz. AgentLogoff ends the
# session the rest runs in, so it runs last, on a session of its own.
run -H "SessionToken: $(field token)" \
  --exclude-path /api/GetEvents --exclude-path /api/AgentLogoff "$@" || status=$?
run -H "SessionToken: $(field logoff_token)" --include-path /api/AgentLogoff "$@" || status=$?
if [ $status -ne 0 ] || grep -q "panicked" "$work/server.log"; then
  echo "--- server log (last 50 lines) ---"
  tail -n 50 "$work/server.log"
  exit 1
fi
