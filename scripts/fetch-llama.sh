#!/usr/bin/env bash
# Fetches, unpacks and builds the llama.cpp that the `llama` translator links, outside the repository:
#   sdist    $CACHE/sdist/llama_cpp_python-0.3.36.tar.gz   (pip download; sha256 pinned below)
#   source   $CACHE/src/llama.cpp-0c1e570                  (only vendor/llama.cpp of the sdist)
#   build    $CACHE/build/llama.cpp-0c1e570-<variant>      (static libraries llama, ggml, ggml-base, ggml-cpu)
#   install  $CACHE/install/llama.cpp-0c1e570-<variant>    (headers, .a files, llama-config.cmake: what CMake finds)
# CACHE is ${STREAM_TTS_CACHE:-$HOME/.cache/stream-tts}. Nothing of llama.cpp enters the repository.
#
#   scripts/fetch-llama.sh              CPU build (variant "cpu"; AVX-512 where the CPU has it, see below)
#   scripts/fetch-llama.sh --cuda       CUDA build (variant "cuda-sm90"; GGML_CUDA, CUDA graphs, sm_90)
#   scripts/fetch-llama.sh --bench      also builds llama-bench into $CACHE/build/llama.cpp-0c1e570-<variant>-tools
#   scripts/fetch-llama.sh --print-dir  prints the install prefix of the chosen variant and exits
# Idempotent: every step is skipped when its stamp says it is done; an interrupted step starts over.
# The CMake of stream-tts looks in the install prefix (STREAM_TTS_LLAMA_DIR, see cmake/Llama.cmake).
set -euo pipefail

CACHE="${STREAM_TTS_CACHE:-$HOME/.cache/stream-tts}"

# Pinned: the sdist and the llama.cpp commit it vendors.
SDIST_VERSION=0.3.36
SDIST_FILE=llama_cpp_python-${SDIST_VERSION}.tar.gz
SDIST_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
LLAMA_COMMIT=0c1e570
NAME=llama.cpp-${LLAMA_COMMIT}

variant=cpu
bench=0
print_dir=0
for arg in "$@"; do
  case $arg in
    --cuda) variant=cuda-sm90 ;;
    --bench) bench=1 ;;
    --print-dir) print_dir=1 ;;
    *) echo "usage: $0 [--cuda] [--bench] [--print-dir]" >&2; exit 2 ;;
  esac
done

SRC="$CACHE/src/$NAME"
BUILD="$CACHE/build/$NAME-$variant"
PREFIX="$CACHE/install/$NAME-$variant"
if (( print_dir )); then
  echo "$PREFIX"
  exit 0
fi

log() { echo "[fetch-llama] $*" >&2; }
UNPACK_TMP=
trap '[[ -n $UNPACK_TMP ]] && rm -rf "$UNPACK_TMP"' EXIT
die() { log "error: $*"; exit 1; }

# CPU instruction sets, chosen explicitly rather than with GGML_NATIVE (-march=native): this machine kind
# comes as AMD Zen 4 or as Intel Sapphire Rapids. A native build on the Intel host uses AMX tile
# instructions, which the sandbox does not enable (SIGILL in the first matrix product), and which Zen 4
# lacks anyway. Both have AVX-512 with VBMI, VNNI and BF16: use that set where the CPU has it, else AVX2.
cpu_isa_opts() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  local want=(avx512f avx512cd avx512bw avx512dq avx512vl avx512vbmi avx512_vnni avx512_bf16)
  local f
  for f in "${want[@]}"; do
    if [[ " $flags " != *" $f "* ]]; then
      echo "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
      return
    fi
  done
  echo "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
       "-DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON"
}

# The options decide what the build dir holds, so they are part of its stamp: a changed option (another
# instruction set on another machine sharing the cache) rebuilds.
# Static libraries only: one binary, no rpath, and the linker drops what we do not call.
read -r -a isa_opts <<<"$(cpu_isa_opts)"
common_opts=(
  -G Ninja
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=OFF
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF
  -DLLAMA_OPENSSL=OFF -DLLAMA_TESTS_INSTALL=OFF
  -DLLAMA_BUILD_COMMIT=$LLAMA_COMMIT -DLLAMA_BUILD_NUMBER=0
)
common_opts+=("${isa_opts[@]}")
case $variant in
  cuda-sm90) common_opts+=(-DGGML_CUDA=ON -DGGML_CUDA_GRAPHS=ON -DCMAKE_CUDA_ARCHITECTURES=90) ;;
esac
if command -v ccache >/dev/null; then
  export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
  common_opts+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  [[ $variant == cuda* ]] && common_opts+=(-DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
jobs=$(nproc)

check_sha256() {  # file expected
  local actual
  actual=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $actual == "$2" ]] || die "sha256 mismatch for $1: got $actual, want $2 (delete it to download again)"
}

fetch_sdist() {
  local file="$CACHE/sdist/$SDIST_FILE"
  if [[ ! -f $file ]]; then
    mkdir -p "$CACHE/sdist"
    log "pip download llama-cpp-python==$SDIST_VERSION (sdist)"
    local py
    py=$(command -v python3 || command -v python) || die "python3 not found (needed for pip download)"
    "$py" -m pip download --no-deps --no-binary :all: "llama-cpp-python==$SDIST_VERSION" -d "$CACHE/sdist" >&2 ||
      die "pip download failed"
  fi
  check_sha256 "$file" "$SDIST_SHA256"
}

unpack_source() {
  local stamp="$SRC/.stream-tts-unpacked"
  if [[ -f $stamp ]]; then
    log "$SRC already unpacked"
    return 0
  fi
  fetch_sdist
  mkdir -p "$CACHE/src"
  # Unpack beside the target and move into place, so an interrupted run never leaves a tree that looks
  # complete.
  local tmp top="llama_cpp_python-$SDIST_VERSION/vendor/llama.cpp"
  tmp=$(mktemp -d "$CACHE/src/.unpack.XXXXXX")
  UNPACK_TMP=$tmp
  chmod 755 "$tmp"  # mktemp makes it private; the tree is a plain source cache
  log "unpacking $top"
  tar -xzf "$CACHE/sdist/$SDIST_FILE" -C "$tmp" --strip-components=3 "$top"
  # vendor/llama.cpp/.git is a submodule link into the sdist's own .git, which we do not unpack: without
  # removing it, llama.cpp's build-info step asks git about a repository that is not there.
  rm -f "$tmp/.git"
  touch "$tmp/.stream-tts-unpacked"
  rm -rf "${SRC:?}"
  mv "$tmp" "$SRC"
  UNPACK_TMP=
  log "unpacked $SRC"
}

# build_and_install: configure, build only the libraries we link, install them into $PREFIX.
build_and_install() {
  local opts=("${common_opts[@]}" -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TOOLS=OFF "-DCMAKE_INSTALL_PREFIX=$PREFIX")
  local key
  key=$(printf '%s\n' "$SDIST_SHA256" "${opts[@]}" | sha256sum | cut -c1-16)
  local stamp="$PREFIX/.stream-tts-installed"
  if [[ -f $stamp && $(cat "$stamp") == "$key" ]]; then
    log "$PREFIX already built and installed"
    return 0
  fi
  unpack_source
  local start=$SECONDS
  log "configuring $BUILD"
  cmake -S "$SRC" -B "$BUILD" "${opts[@]}" >"$CACHE/build/$NAME-$variant.configure.log" 2>&1 ||
    die "configure failed, see $CACHE/build/$NAME-$variant.configure.log"
  log "building llama, ggml (-j$jobs; about 10 minutes on 2 cores without ccache)"
  cmake --build "$BUILD" -j "$jobs" --target llama ggml ggml-base ggml-cpu
  rm -rf "${PREFIX:?}"
  cmake --install "$BUILD" >/dev/null
  echo "$key" >"$stamp"
  log "installed $PREFIX in $((SECONDS - start)) s"
}

# build_bench: llama-bench needs llama.cpp's `common` library, which our build does not; a separate build dir
# keeps the library build minimal. ccache makes the shared ggml/llama objects cheap the second time.
build_bench() {
  local dir="$BUILD-tools"
  local exe="$dir/bin/llama-bench"
  local opts=("${common_opts[@]}" -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON)
  local key
  key=$(printf '%s\n' "$SDIST_SHA256" "${opts[@]}" | sha256sum | cut -c1-16)
  if [[ -x $exe && -f $dir/.stream-tts-key && $(cat "$dir/.stream-tts-key") == "$key" ]]; then
    log "llama-bench ready: $exe"
    return 0
  fi
  unpack_source
  mkdir -p "$dir"
  cmake -S "$SRC" -B "$dir" "${opts[@]}" >"$dir.configure.log" 2>&1 || die "configure failed, see $dir.configure.log"
  cmake --build "$dir" -j "$jobs" --target llama-bench
  echo "$key" >"$dir/.stream-tts-key"
  log "llama-bench ready: $exe"
}

mkdir -p "$CACHE/build"
build_and_install
(( bench )) && build_bench
log "ready: $PREFIX"
