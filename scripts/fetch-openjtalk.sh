#!/usr/bin/env bash
# Fetches and unpacks the two Debian source packages the in-process Open JTalk backend is built from:
#   open-jtalk 1.11-3  -> $CACHE/src/open-jtalk-1.11   (MeCab, NJD, JPCommon: text analysis, compiled by CMake)
#   htsengine  1.10-6  -> $CACHE/src/htsengine-1.10    (only HTS_hidden.h is used: the vocoder API that lets us
#                                                      vocode in blocks of frames; the code itself is the
#                                                      system libHTSEngine, whose version must match)
# CACHE is ${STREAM_TTS_CACHE:-$HOME/.cache/stream-tts}. Nothing of either package enters the repository.
# Idempotent: does nothing when both trees are already unpacked. Needs deb-src in the apt sources
# (scripts/install-deps.sh enables it) and dpkg-dev (dpkg-source).
set -euo pipefail

CACHE="${STREAM_TTS_CACHE:-$HOME/.cache/stream-tts}"
SRC="$CACHE/src"

# Pinned: the versions and the sha256 of each upstream tarball (the part that holds the code).
OJT_PKG=open-jtalk
OJT_VERSION=1.11-3
OJT_ORIG=open-jtalk_1.11.orig.tar.gz
OJT_ORIG_SHA256=20fdc6aeb6c757866034abc175820573db43e4284707c866fcd02c8ec18de71f
OJT_DIR=open-jtalk-1.11

HTS_PKG=htsengine
HTS_VERSION=1.10-6  # must equal the installed libhtsengine-dev: HTS_hidden.h describes its struct layout
HTS_ORIG=htsengine_1.10.orig.tar.gz
HTS_ORIG_SHA256=e2132be5860d8fb4a460be766454cfd7c3e21cf67b509c48e1804feab14968f7
HTS_DIR=htsengine-1.10

STAMP=.stream-tts-unpacked
UNPACK_TMP=""  # the half-unpacked tree of an interrupted run, removed on exit
trap '[[ -n $UNPACK_TMP ]] && rm -rf "$UNPACK_TMP"' EXIT

log() { echo "[fetch-openjtalk] $*" >&2; }
die() { log "error: $*"; exit 1; }

check_sha256() {  # file expected
  local actual
  actual=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $actual == "$2" ]] || die "sha256 mismatch for $1: got $actual, want $2"
}

# fetch_and_unpack PKG VERSION ORIG SHA256 DIR
fetch_and_unpack() {
  local pkg=$1 version=$2 orig=$3 sha=$4 dir=$5
  local dsc="${pkg}_${version}.dsc"
  if [[ -f "$SRC/$dir/$STAMP" ]]; then
    log "$dir already unpacked"
    return 0
  fi
  command -v dpkg-source >/dev/null || die "dpkg-source not found (apt install dpkg-dev)"
  if [[ ! -f "$SRC/$dsc" || ! -f "$SRC/$orig" ]]; then
    log "apt-get source --download-only $pkg=$version"
    # apt drops privileges to _apt when it can; the cache may not be readable to it, which only warns.
    (cd "$SRC" && apt-get source --download-only "$pkg=$version") ||
      die "apt-get source failed: is deb-src enabled in /etc/apt/sources.list.d (scripts/install-deps.sh)?"
  fi
  check_sha256 "$SRC/$orig" "$sha"
  # Unpack beside the target and move into place, so an interrupted run never leaves a half tree that
  # looks complete. dpkg-source checks the files against the .dsc and applies Debian's patches. It warns
  # that it cannot verify the .dsc signature without debian-keyring: apt has already authenticated the
  # download through the signed Sources index, and the tarball's sha256 is pinned above.
  UNPACK_TMP=$(mktemp -d "$SRC/.unpack.XXXXXX")
  (cd "$SRC" && dpkg-source -x "$dsc" "$UNPACK_TMP/$dir" >/dev/null) || die "dpkg-source -x $dsc failed"
  touch "$UNPACK_TMP/$dir/$STAMP"
  rm -rf "${SRC:?}/$dir"
  mv "$UNPACK_TMP/$dir" "$SRC/$dir"
  rm -rf "$UNPACK_TMP"
  UNPACK_TMP=""
  log "unpacked $SRC/$dir"
}

mkdir -p "$SRC"
fetch_and_unpack "$OJT_PKG" "$OJT_VERSION" "$OJT_ORIG" "$OJT_ORIG_SHA256" "$OJT_DIR"
fetch_and_unpack "$HTS_PKG" "$HTS_VERSION" "$HTS_ORIG" "$HTS_ORIG_SHA256" "$HTS_DIR"

installed=$(dpkg-query -W -f='${Version}' libhtsengine-dev 2>/dev/null || true)
if [[ -n $installed && $installed != "$HTS_VERSION" ]]; then
  log "warning: libhtsengine-dev $installed is installed but HTS_hidden.h is from $HTS_VERSION;" \
      "the vocoder struct layout may differ"
fi
log "ready: $SRC/$OJT_DIR and $SRC/$HTS_DIR"
