#!/usr/bin/env bash
# Runs deploy/Dockerfile's steps outside a container, for machines without a container engine:
# the same COPY list into an empty directory standing for /app, the same install and clean-up,
# then the image's ENTRYPOINT + CMD (read from the Dockerfile) with /data mapped to a directory,
# and its HEALTHCHECK command until it passes. test/deploy/deploy.test.ts runs it.
#
#   deploy/dockerfile-steps.sh APP_DIR [--deps=ci|link] [-- extra spanbase flags]
#
# --deps=ci   runs the Dockerfile's `npm ci --omit=dev` (needs the registry).
# --deps=link (default) links the repository's installed third-party packages instead, and
#             creates the workspace links npm ci would make; fast and offline.
# Extra flags after `--` are appended to CMD (the test uses them for loopback and free ports).
# Environment: NODE (a Node 24 binary; default: node on PATH, else the project's own Node 24),
# HEALTH_PORT (SPANBASE_HEALTH_PORT for the HEALTHCHECK; default 3200), READY_TIMEOUT (seconds, 30).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
APP="${1:?usage: dockerfile-steps.sh APP_DIR [--deps=ci|link] [-- flags]}"
shift
DEPS=link
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --deps=*) DEPS="${1#--deps=}"; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$APP"
APP="$(cd "$APP" && pwd)"
DATA="$APP/data"   # stands for the /data volume

NODE="${NODE:-node}"
if ! "$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
  NODE="$REPO/node_modules/node/bin/node"
fi
echo "dockerfile-steps: node $("$NODE" --version)"

# COPY package.json package-lock.json ./ ; COPY packages, services, traceql ; bench and test
# manifests ; deploy/healthcheck.js
cd "$REPO"
cp package.json package-lock.json "$APP/"
for dir in packages services traceql; do
  tar -cf - --exclude=node_modules --exclude=dist-types --exclude='*.tsbuildinfo' "$dir" | tar -xf - -C "$APP"
done
mkdir -p "$APP/bench" "$APP/test"
cp bench/package.json "$APP/bench/package.json"
cp test/package.json "$APP/test/package.json"
mkdir -p "$APP/deploy"
cp deploy/healthcheck.js "$APP/deploy/healthcheck.js"

# RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
cd "$APP"
if [ "$DEPS" = ci ]; then
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund
else
  mkdir -p node_modules
  for entry in "$REPO"/node_modules/* "$REPO"/node_modules/@*/*; do
    name="${entry#"$REPO"/node_modules/}"
    [ -L "$entry" ] && continue            # workspace links: recreated below
    [ -d "$entry" ] || continue
    case "$name" in @*) [ "${name#*/}" = "$name" ] && continue ;; esac   # a scope dir itself
    mkdir -p "node_modules/$(dirname "$name")"
    ln -s "$entry" "node_modules/$name"
  done
  "$NODE" -e '
    const fs = require("node:fs"), path = require("node:path");
    const root = JSON.parse(fs.readFileSync("package.json", "utf8"));
    const dirs = root.workspaces.flatMap((w) => w.endsWith("/*") ? fs.readdirSync(w.slice(0, -2)).map((d) => path.join(w.slice(0, -2), d)) : [w]);
    for (const dir of dirs) {
      const manifest = path.join(dir, "package.json");
      if (!fs.existsSync(manifest)) continue;
      const name = JSON.parse(fs.readFileSync(manifest, "utf8")).name;
      const link = path.join("node_modules", name);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.rmSync(link, { force: true });
      fs.symlinkSync(path.relative(path.dirname(link), dir), link);
    }'
fi

# RUN find ... -name '*.test.ts' -delete && rm -rf .../dist-types
find packages services traceql -name '*.test.ts' -delete && rm -rf packages/*/dist-types services/*/dist-types traceql/dist-types

# RUN mkdir -p /data
mkdir -p "$DATA"

# ENTRYPOINT + CMD, read from the Dockerfile, /data → $DATA, /app → $APP
mapfile -t CMDLINE < <("$NODE" -e '
  const text = require("node:fs").readFileSync(process.argv[1], "utf8");
  const json = (k) => JSON.parse(text.split("\n").filter((l) => l.startsWith(k + " ")).pop().slice(k.length + 1));
  for (const a of [...json("ENTRYPOINT"), ...json("CMD")]) console.log(a.replaceAll("/app/", process.argv[2] + "/").replaceAll("/data/", process.argv[3] + "/"));
' "$REPO/deploy/Dockerfile" "$APP" "$DATA")
[ "${CMDLINE[0]}" = node ] && CMDLINE[0]="$NODE"
echo "dockerfile-steps: ${CMDLINE[*]} ${EXTRA[*]}"
"${CMDLINE[@]}" "${EXTRA[@]}" >"$APP/spanbase.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT

# HEALTHCHECK, read from the Dockerfile, until it passes
mapfile -t HEALTH < <("$NODE" -e '
  const text = require("node:fs").readFileSync(process.argv[1], "utf8");
  const line = text.split("\n").find((l) => l.startsWith("HEALTHCHECK "));
  for (const a of JSON.parse(line.slice(line.indexOf("CMD ") + 4))) console.log(a.replaceAll("/app/", process.argv[2] + "/"));
' "$REPO/deploy/Dockerfile" "$APP")
[ "${HEALTH[0]}" = node ] && HEALTH[0]="$NODE"
export SPANBASE_HEALTH_PORT="${HEALTH_PORT:-3200}"
deadline=$((SECONDS + ${READY_TIMEOUT:-30}))
until "${HEALTH[@]}"; do
  if ! kill -0 "$PID" 2>/dev/null; then echo "dockerfile-steps: spanbase exited" >&2; cat "$APP/spanbase.log" >&2; exit 1; fi
  if [ $SECONDS -ge $deadline ]; then echo "dockerfile-steps: not healthy in time" >&2; cat "$APP/spanbase.log" >&2; exit 1; fi
  sleep 0.2
done
echo "dockerfile-steps: healthy"

# docker stop: SIGTERM, then a clean exit
kill -TERM "$PID"
wait "$PID" && status=0 || status=$?
trap - EXIT
echo "dockerfile-steps: stopped with status $status"
exit "$status"
