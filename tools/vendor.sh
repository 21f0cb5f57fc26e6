#!/usr/bin/env bash
# Re-vendor Pantau's front-end libraries from the npm registry.
#
#   tools/vendor.sh
#
# Versions are pinned below. The script `npm pack`s each package into a temp
# dir (npm verifies the tarball's registry integrity), extracts it, copies the
# files the app uses into static/vendor/<pkg>/, writes LICENSE + VERSION, and
# regenerates static/vendor/cdn.json with sha384 SRI hashes of the copied
# files (the unpkg CDN serves the same bytes as the npm tarball).
#
# Requires: npm, tar, openssl, python3.
set -euo pipefail

LEAFLET_VERSION="1.9.4"
MARKERCLUSTER_VERSION="1.5.3"
IDB_VERSION="8.0.4"   # latest 8.x at time of vendoring

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# fetch NAME VERSION -> extracts to $TMP/NAME/package, echoes that path
fetch() {
  local name="$1" version="$2" dir="$TMP/$1"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "${name}@${version}" >/dev/null)
  tar -xzf "$dir"/*.tgz -C "$dir"
  echo "$dir/package"
}

# reset_dir DIR: recreate an empty vendor dir
reset_dir() { rm -rf "$1"; mkdir -p "$1"; }

# ---------------------------------------------------------------- leaflet
pkg="$(fetch leaflet "$LEAFLET_VERSION")"
out="$VENDOR/leaflet"
reset_dir "$out"
mkdir -p "$out/images"
cp "$pkg/dist/leaflet.js" "$pkg/dist/leaflet.css" "$out/"
cp "$pkg"/dist/images/* "$out/images/"
cp "$pkg/LICENSE" "$out/LICENSE"
echo "leaflet@$LEAFLET_VERSION" > "$out/VERSION"

# ---------------------------------------------------- leaflet.markercluster
pkg="$(fetch leaflet.markercluster "$MARKERCLUSTER_VERSION")"
out="$VENDOR/leaflet.markercluster"
reset_dir "$out"
cp "$pkg/dist/leaflet.markercluster.js" \
   "$pkg/dist/MarkerCluster.css" \
   "$pkg/dist/MarkerCluster.Default.css" "$out/"
# The package ships its licence as MIT-LICENCE.txt; store it as LICENSE.
cp "$pkg/MIT-LICENCE.txt" "$out/LICENSE"
echo "leaflet.markercluster@$MARKERCLUSTER_VERSION" > "$out/VERSION"

# -------------------------------------------------------------------- idb
# ESM build: build/index.js plus any modules it imports relatively
# (idb 7.x imports ./wrap-idb-value.js; 8.x is a single file). Relative
# layout is preserved so the import specifiers keep working.
pkg="$(fetch idb "$IDB_VERSION")"
out="$VENDOR/idb"
reset_dir "$out"
queue=("index.js")
declare -A seen=()
while ((${#queue[@]})); do
  f="${queue[0]}"; queue=("${queue[@]:1}")
  [[ -n "${seen[$f]:-}" ]] && continue
  seen[$f]=1
  src="$pkg/build/$f"
  [[ -f "$src" ]] || { echo "idb: missing imported module build/$f" >&2; exit 1; }
  mkdir -p "$out/$(dirname "$f")"
  cp "$src" "$out/$f"
  # static `import ... from './x.js'`, `export ... from './x.js'`, `import './x.js'`
  while IFS= read -r spec; do
    [[ -z "$spec" ]] && continue
    dep="$(python3 -c 'import os,sys; print(os.path.normpath(os.path.join(os.path.dirname(sys.argv[1]), sys.argv[2])))' "$f" "$spec")"
    queue+=("$dep")
  done < <(grep -oE "(from|import)[[:space:]]*['\"]\.{1,2}/[^'\"]+['\"]" "$src" \
             | sed -E "s/^(from|import)[[:space:]]*['\"]//; s/['\"]$//" || true)
done
cp "$pkg/LICENSE" "$out/LICENSE"
echo "idb@$IDB_VERSION" > "$out/VERSION"

# --------------------------------------------------------------- cdn.json
sri() { echo "sha384-$(openssl dgst -sha384 -binary "$1" | openssl base64 -A)"; }

python3 - "$VENDOR" "$LEAFLET_VERSION" "$MARKERCLUSTER_VERSION" \
  "$(sri "$VENDOR/leaflet/leaflet.js")" \
  "$(sri "$VENDOR/leaflet/leaflet.css")" \
  "$(sri "$VENDOR/leaflet.markercluster/leaflet.markercluster.js")" \
  "$(sri "$VENDOR/leaflet.markercluster/MarkerCluster.css")" \
  "$(sri "$VENDOR/leaflet.markercluster/MarkerCluster.Default.css")" <<'PY'
import json, sys
vendor, lv, mv, *h = sys.argv[1:]
L = f"https://unpkg.com/leaflet@{lv}/dist/"
M = f"https://unpkg.com/leaflet.markercluster@{mv}/dist/"
entries = [
    ("leaflet_js", L + "leaflet.js", "vendor/leaflet/leaflet.js"),
    ("leaflet_css", L + "leaflet.css", "vendor/leaflet/leaflet.css"),
    ("markercluster_js", M + "leaflet.markercluster.js",
     "vendor/leaflet.markercluster/leaflet.markercluster.js"),
    ("markercluster_css", M + "MarkerCluster.css",
     "vendor/leaflet.markercluster/MarkerCluster.css"),
    ("markercluster_default_css", M + "MarkerCluster.Default.css",
     "vendor/leaflet.markercluster/MarkerCluster.Default.css"),
]
data = {k: {"cdn": cdn, "local": local, "integrity": sri}
        for (k, cdn, local), sri in zip(entries, h)}
with open(f"{vendor}/cdn.json", "w") as fh:
    json.dump(data, fh, indent=2)
    fh.write("\n")
PY

echo "Vendored into $VENDOR:"
(cd "$VENDOR" && find . -type f | sort)
