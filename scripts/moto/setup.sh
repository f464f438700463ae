#!/usr/bin/env bash
# Unpacks moto's server (Debian unstable's python3-moto 5.2.4) and its Python dependencies
# into .moto/root, without installing anything system-wide: a private apt configuration
# (own sources list, pins, state and cache under .moto/apt) lists the machine's own Debian
# mirror for bookworm, bookworm-updates and sid, with sid pinned to 100 so that nothing
# but the packages named "/sid" below comes from it.
#
# Idempotent: a second run with the same package list only checks the stamp and imports.
# Usage: scripts/moto/setup.sh [--force]
# Environment: MOTO_HOME (default <repo>/.moto), MOTO_PYTHON (default /usr/bin/python3,
# the interpreter the Debian packages were built for).
# Measured on a 2-CPU Debian 12 machine: cold 8 s, warm 1 s when idle; cold 26-35 s
# (package lists 10-16 s), warm 3-5 s at a load average of 15.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
MOTO_HOME="${MOTO_HOME:-$REPO/.moto}"
APT_DIR="$MOTO_HOME/apt"
DEB_DIR="$MOTO_HOME/debs"
ROOT="$MOTO_HOME/root"
PYTHON="${MOTO_PYTHON:-/usr/bin/python3}"
SITE="$ROOT/usr/lib/python3/dist-packages"

# Packages from sid: moto itself and the AWS SDK it is written against (bookworm's
# botocore 1.29 lacks the models moto 5.2 serves).
SID_PACKAGES=(python3-moto python3-botocore python3-boto3 python3-s3transfer)
# Everything else moto's server imports, from bookworm. python3-yaml and
# python3-cryptography are listed although most machines have them, so that the unpacked
# tree does not depend on what happens to be installed.
BOOKWORM_PACKAGES=(
  python3-antlr4 python3-certifi python3-chardet python3-charset-normalizer python3-click
  python3-dateutil python3-flask python3-flask-cors python3-idna python3-itsdangerous
  python3-jinja2 python3-jmespath python3-markupsafe python3-requests python3-responses
  python3-six python3-urllib3 python3-werkzeug python3-xmltodict python3-yaml
  python3-cryptography python3-cffi-backend python3-blinker
)
# The services the contract tests and the controller use: each must import.
SERVICES=(autoscaling cloudwatch ec2 eks sns ssm)

log() { printf '[moto setup] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  *) die "unknown argument '$1' (usage: scripts/moto/setup.sh [--force])" ;;
esac

[[ -x "$PYTHON" ]] || die "$PYTHON not found: moto's Debian packages need the system python3 (set MOTO_PYTHON to override)"
for tool in apt-get dpkg dpkg-deb; do command -v "$tool" >/dev/null || die "$tool not found: this setup needs a Debian machine"; done

wanted="$(printf '%s\n' "${SID_PACKAGES[@]/%//sid}" "${BOOKWORM_PACKAGES[@]}" | sort | tr '\n' ' ')"
stamp="$ROOT/.complete"

import_check() {
  # -S: without the system's site-packages, so the check proves the tree is self-contained.
  PYTHONPATH="$SITE" "$PYTHON" -S - "${SERVICES[@]}" <<'PY'
import sys
import moto, moto.server, flask, werkzeug, botocore
from moto.backends import get_backend
for service in sys.argv[1:]:
    get_backend(service)
print(f"moto {moto.__version__} (botocore {botocore.__version__}, flask {flask.__version__}) imports {', '.join(sys.argv[1:])}")
PY
}

if [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  if import_check >&2; then
    log "already set up in $ROOT"
    exit 0
  fi
  log "existing tree fails the import check: unpacking again"
fi

# --- the machine's own Debian mirror ----------------------------------------------------
# Read from its apt sources (deb822 or one-line format); never written into the repository.
mirror_uri() {
  local uri=""
  shopt -s nullglob
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    # A deb822 stanza whose Suites include bookworm (not only bookworm-security).
    uri="$(awk '
      BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; suites = ""; types = ""
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^[[:space:]]*#/) continue
          if (line ~ /^URIs:/)   { sub(/^URIs:[[:space:]]*/, "", line); uris = line }
          if (line ~ /^Suites:/) { sub(/^Suites:[[:space:]]*/, "", line); suites = " " line " " }
          if (line ~ /^Types:/)  { types = line }
        }
        if (types ~ /deb([[:space:]]|$)/ && suites ~ / (bookworm|stable|sid|unstable|trixie|testing) /) { split(uris, u, /[[:space:]]+/); print u[1]; exit }
      }' "$file")"
    [[ -n "$uri" ]] && break
  done
  if [[ -z "$uri" ]]; then
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f "$file" ]] || continue
      uri="$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) !~ /-security$/) { print $i; exit } }' "$file")"
      [[ -n "$uri" ]] && break
    done
  fi
  shopt -u nullglob
  [[ -n "$uri" ]] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d: cannot fetch moto's packages"
  printf '%s\n' "${uri%/}"
}

MIRROR="$(mirror_uri)"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -f "$KEYRING" ]] || die "$KEYRING not found (package debian-archive-keyring): cannot verify the mirror"

mkdir -p "$APT_DIR/etc/sources.list.d" "$APT_DIR/etc/preferences.d" "$APT_DIR/state/lists/partial" \
  "$APT_DIR/cache/archives/partial" "$DEB_DIR"
: > "$APT_DIR/state/status"

# sid is always listed here, whether or not the machine's own sources carry it: this list
# is only ever read by the apt-get calls below.
cat > "$APT_DIR/etc/sources.list" <<SOURCES
deb [signed-by=$KEYRING] $MIRROR bookworm main
deb [signed-by=$KEYRING] $MIRROR bookworm-updates main
deb [signed-by=$KEYRING] $MIRROR sid main
SOURCES
cat > "$APT_DIR/etc/preferences" <<'PREFS'
Package: *
Pin: release n=sid
Pin-Priority: 100
PREFS

APT_OPTS=(
  -o "Dir::Etc::sourcelist=$APT_DIR/etc/sources.list"
  -o "Dir::Etc::sourceparts=$APT_DIR/etc/sources.list.d"
  -o "Dir::Etc::preferences=$APT_DIR/etc/preferences"
  -o "Dir::Etc::preferencesparts=$APT_DIR/etc/preferences.d"
  -o "Dir::State=$APT_DIR/state"
  -o "Dir::State::status=$APT_DIR/state/status"
  -o "Dir::Cache=$APT_DIR/cache"
  -o "Dir::Cache::pkgcache=$APT_DIR/cache/pkgcache.bin"
  -o "Dir::Cache::srcpkgcache=$APT_DIR/cache/srcpkgcache.bin"
  # Downloads run as the invoking user: apt's _apt user cannot write into this folder.
  -o "APT::Sandbox::User=$(id -un)"
  -o "Acquire::Languages=none"
  -q
)

log "mirror: $MIRROR (bookworm, bookworm-updates, sid pinned to 100)"
started=$SECONDS
apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update against $MIRROR failed"
log "package lists fetched in $((SECONDS - started))s"

REQUESTS=()
for package in "${SID_PACKAGES[@]}"; do REQUESTS+=("$package/sid"); done
REQUESTS+=("${BOOKWORM_PACKAGES[@]}")
# The exact files this run wants (the candidate versions now): only these are unpacked,
# and older versions left in the cache by an earlier run are removed.
mapfile -t files < <(apt-get "${APT_OPTS[@]}" download --print-uris "${REQUESTS[@]}" | awk '{ print $2 }')
(( ${#files[@]} == ${#REQUESTS[@]} )) || die "apt resolved ${#files[@]} of ${#REQUESTS[@]} packages: ${REQUESTS[*]}"
# apt-get download writes into the current directory and skips files already there.
(cd "$DEB_DIR" && apt-get "${APT_OPTS[@]}" download "${REQUESTS[@]}" >&2) || die "apt-get download failed"
for deb in "$DEB_DIR"/*.deb; do
  [[ " ${files[*]} " == *" $(basename "$deb") "* ]] || rm -f "$deb"
done

moto_version="$(apt-cache "${APT_OPTS[@]}" show python3-moto/sid | awk '/^Version:/ { print $2; exit }')"
case "$moto_version" in
  5.2.4*) ;;
  *) log "warning: sid now ships python3-moto $moto_version, not 5.2.4: the contract tests were written against 5.2.4" ;;
esac

# Unpack into a fresh tree so that a package dropped from the list leaves nothing behind.
rm -rf "$ROOT.new"
mkdir -p "$ROOT.new"
for file in "${files[@]}"; do
  dpkg -x "$DEB_DIR/$file" "$ROOT.new"
  log "unpacked $(dpkg-deb -f "$DEB_DIR/$file" Package) $(dpkg-deb -f "$DEB_DIR/$file" Version)"
done
# Byte-compile once, as the packages' postinst would: the environment may forbid Python
# to write bytecode on import, and every server start would then compile moto again.
"$PYTHON" -m compileall -q -j 0 "$ROOT.new/usr/lib/python3/dist-packages" >/dev/null \
  || log "warning: some modules did not byte-compile; they are compiled on import instead"
rm -rf "$ROOT"
mv "$ROOT.new" "$ROOT"

import_check >&2 || die "moto does not import from $SITE: a dependency is missing (see the traceback above)"
printf '%s' "$wanted" > "$stamp"
log "ready in $ROOT ($((SECONDS))s)"
