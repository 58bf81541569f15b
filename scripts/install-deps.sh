#!/usr/bin/env bash
# Installs the system packages stream-tts builds and runs with (Debian 12).
# Idempotent: does nothing when everything is present. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config dpkg-dev
  libsimdjson-dev libcli11-dev libspdlog-dev libfmt-dev
  portaudio19-dev libsndfile1-dev libsamplerate0-dev libasound2-plugins
  libhtsengine-dev open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001
  libespeak-ng-dev espeak-ng-data libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pulseaudio pulseaudio-utils sox
  clang libclang-rt-14-dev
  libsentencepiece-dev libopenblas-dev
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Open JTalk's voice is in non-free; the C sources of Open JTalk come from deb-src.
enable_components() {
  local f=/etc/apt/sources.list.d/debian.sources changed=0
  if [[ -f $f ]]; then
    if ! grep -q "non-free" "$f"; then
      $SUDO sed -i -E 's/^Components: main$/Components: main contrib non-free non-free-firmware/' "$f"
      changed=1
    fi
    if ! grep -qE '^Types:.*deb-src' "$f"; then
      $SUDO sed -i -E 's/^Types: deb$/Types: deb deb-src/' "$f"
      changed=1
    fi
  elif [[ -f /etc/apt/sources.list ]]; then
    if ! grep -q "non-free" /etc/apt/sources.list; then
      $SUDO sed -i -E 's/^(deb(-src)? .* main)$/\1 contrib non-free non-free-firmware/' /etc/apt/sources.list
      changed=1
    fi
    if ! grep -q "^deb-src" /etc/apt/sources.list; then
      grep "^deb " /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee -a /etc/apt/sources.list >/dev/null
      changed=1
    fi
  fi
  echo $changed
}

changed=$(enable_components)
stamp=/var/lib/apt/lists/.stream-tts-updated
if (( ${#missing[@]} > 0 )) || [[ $changed == 1 ]] || [[ ! -f $stamp ]]; then
  echo "[install-deps] apt-get update" >&2
  $SUDO apt-get update -qq
  $SUDO touch "$stamp"
fi
if (( ${#missing[@]} > 0 )); then
  echo "[install-deps] installing: ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "[install-deps] system packages ready" >&2
