#!/usr/bin/env bash
# `npm run test:newcomer`: plays a new user on README's quick start. Clones the current commit
# into a new temporary folder with nothing beside it, installs from the lock file
# (`npm ci --prefer-offline`: packages come from npm's cache when they are there, and
# better-sqlite3 still compiles from source, 2-3 minutes), runs `npm start` with the embedded
# default (SQLite in ./data) on a free port, reads the demo's seed article and /docs, stops the
# server with SIGTERM and checks that it exits cleanly. Uncommitted changes are not in the clone.
#
# NEWCOMER_NODE_MODULES=DIR copies DIR (a node_modules installed by `npm ci` from the same
# package-lock.json, as .ci/run's is) instead of installing: quicker for a local check, but it
# no longer proves that the lock file installs, so CI does not set it.
# NEWCOMER_KEEP=1 keeps the temporary folder for a look afterwards.
set -euo pipefail
ROOT=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
COMMIT=$(git -C "$ROOT" rev-parse HEAD)
STARTED=$SECONDS
step() { printf '[newcomer %4ss] %s\n' "$((SECONDS - STARTED))" "$*"; }
fail() { printf '[newcomer] FAIL: %s\n' "$*" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/masthead-newcomer.XXXXXX")
SERVER=
cleanup() {
  if [ -n "$SERVER" ] && pgrep -g "$SERVER" >/dev/null; then kill -KILL -- "-$SERVER" 2>/dev/null || true; fi
  if [ "${NEWCOMER_KEEP:-}" = 1 ]; then echo "[newcomer] kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
  step "note: the work tree has uncommitted changes; the newcomer gets commit ${COMMIT:0:12} without them"
fi
step "git clone of ${COMMIT:0:12} into $TMP/masthead (nothing beside it)"
git clone --quiet --no-local "$ROOT" "$TMP/masthead"
cd "$TMP/masthead"
git checkout --quiet --detach "$COMMIT"
[ "$(ls -A "$TMP")" = masthead ] || fail "the temporary folder holds more than the clone"

# A newcomer's shell has none of this project's settings.
unset DATABASE_PATH PORT HOST PUBLIC_BASE_URL LOG_LEVEL MASTHEAD_DEMO NODE_OPTIONS NODE_V8_COVERAGE \
  TAP TAP_CHILD_ID TSX_TSCONFIG_PATH 2>/dev/null || true
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

if [ -n "${NEWCOMER_NODE_MODULES:-}" ]; then
  step "copying node_modules from $NEWCOMER_NODE_MODULES (NEWCOMER_NODE_MODULES set: the install is not checked)"
  cp -a "$NEWCOMER_NODE_MODULES" node_modules
else
  step "npm ci --prefer-offline"
  npm ci --prefer-offline --no-progress </dev/null >"$TMP/npm-ci.log" 2>&1 || { tail -40 "$TMP/npm-ci.log"; fail "npm ci failed"; }
fi

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
BASE="http://127.0.0.1:$PORT"
step "npm start on $BASE"
# Its own process group, so that nothing it started can outlive the check (see cleanup).
PORT=$PORT setsid npm start </dev/null >"$TMP/server.log" 2>&1 &
SERVER=$!

get() { curl -sS --max-time 10 -H 'accept: application/json' "$@"; }
for _ in $(seq 1 240); do
  if curl -fsS --max-time 2 "$BASE/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/server.log"; fail "npm start exited before it answered"; }
  sleep 0.5
done
curl -fsS --max-time 2 "$BASE/readyz" >/dev/null || { cat "$TMP/server.log"; fail "no answer on /readyz after 120 s"; }
step "ready; the database is $(cd "$TMP/masthead" && ls data/*.db)"

list=$(get -f "$BASE/v1/articles?limit=100") || fail "GET /v1/articles failed"
id=$(node -e '
  const { data } = JSON.parse(process.argv[1]);
  const seed = data.find((a) => a.title.startsWith("甘肃省党政代表团来津考察"));
  if (!seed) { console.error(`no seed article among ${data.length}: ${data.map((a) => a.title).join(" | ")}`); process.exit(1); }
  console.log(seed.id);' "$list") || fail "the demo's seed article is not listed"
article=$(get -f "$BASE/v1/articles/$id") || fail "GET /v1/articles/$id failed"
node -e '
  const a = JSON.parse(process.argv[1]);
  const ok = a.title.startsWith("甘肃省党政代表团来津考察") && a.bodyText.includes("甘肃省党政代表团来津考察") && a.status === "published";
  if (!ok) { console.error(JSON.stringify(a).slice(0, 400)); process.exit(1); }
  console.log(`[newcomer] article ${a.id}: ${a.title.slice(0, 24)}… (${a.bodyText.length} characters of text, slug ${a.slug})`);' "$article" \
  || fail "the seed article is not as the demo loads it"
docs_status=$(curl -sS -L --max-time 10 -o "$TMP/docs.html" -w '%{http_code} %{content_type}' "$BASE/docs")
case "$docs_status" in "200 text/html"*) ;; *) fail "GET /docs answered $docs_status";; esac
grep -qi 'swagger' "$TMP/docs.html" || fail "/docs is not the API reference"
curl -fsS --max-time 10 "$BASE/openapi.json" | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const d=JSON.parse(s);if(!String(d.openapi).startsWith("3.1"))process.exit(1)})' \
  || fail "/openapi.json is not an OpenAPI 3.1 document"
step "read the seed article, /docs and /openapi.json"

# A process manager signals the process it started, here npm. npm passes the signal on to the
# script and then re-raises it on itself, so npm's own status is 143 whatever the server did:
# what counts is that the server got the signal, shut down on its own, and left nothing behind.
step "SIGTERM to npm start (pid $SERVER)"
kill -TERM "$SERVER"
for _ in $(seq 1 60); do pgrep -g "$SERVER" >/dev/null || break; sleep 0.25; done
if pgrep -g "$SERVER" >/dev/null; then ps -o pid,cmd -g "$SERVER" || true; cat "$TMP/server.log"; fail "processes of npm start still running 15 s after SIGTERM"; fi
set +e; wait "$SERVER"; rc=$?; set -e
SERVER=
case "$rc" in 0|143) ;; *) tail -20 "$TMP/server.log"; fail "npm start exited $rc after SIGTERM";; esac
grep -q '"msg":"shutting down"' "$TMP/server.log" || { tail -20 "$TMP/server.log"; fail "the server never logged its graceful shutdown"; }
if curl -fsS --max-time 2 "$BASE/healthz" >/dev/null 2>&1; then fail "something still answers on $BASE after the stop"; fi
step "stopped cleanly (npm exit $rc, the server shut down gracefully); newcomer path passed in $((SECONDS - STARTED)) s"
