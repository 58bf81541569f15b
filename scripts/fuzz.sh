#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs each on a copy of its
# corpus, then prints a table: target, executions, executions per second, time, result.
#   scripts/fuzz.sh                       every target, 60 s each
#   scripts/fuzz.sh cleaner segmenter     only these (names as in tests/fuzz/corpus/)
#   scripts/fuzz.sh --time 600            10 minutes each
#   scripts/fuzz.sh --runs 10000000       stop each after 10 million inputs (or --time, if sooner)
#   scripts/fuzz.sh --build-only          build, run nothing
#   scripts/fuzz.sh cleaner -- -max_len=65536 -dict=my.dict   extra libFuzzer flags after "--"
# The working corpus is build-fuzz/corpus/TARGET: the committed seeds (tests/fuzz/corpus/TARGET) are
# copied in before each run and what libFuzzer adds stays there for the next run. Failing inputs go
# to build-fuzz/findings/TARGET/ (crash-*, leak-*, timeout-*, oom-*), the log of each run to
# build-fuzz/logs/TARGET.log. Exits 1 when any target found something. docs/fuzzing.md says more.
set -euo pipefail
cd "$(dirname "$0")/.."

time_s=60
runs=-1
build_only=0
targets=()
extra=()
while (( $# > 0 )); do
  case $1 in
    --time) time_s=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

all=$(sed -n '/^set(STREAM_TTS_FUZZ_TARGETS/,/^)/p' tests/fuzz/CMakeLists.txt | sed '1d;$d' | awk '{print $1}')
if (( ${#targets[@]} == 0 )); then
  read -r -a targets <<< "$(echo $all)"
fi
for t in "${targets[@]}"; do
  if ! grep -qx "$t" <<< "$all"; then
    echo "fuzz.sh: unknown target '$t' (known: $(echo $all))" >&2
    exit 2
  fi
done

fuzzer_rt=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -1 || true)
if ! command -v clang++ >/dev/null || [[ -z $fuzzer_rt ]]; then
  echo "fuzz.sh: needs clang and libFuzzer (Debian: clang libclang-rt-14-dev); run scripts/install-deps.sh" >&2
  exit 2
fi

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/stream-tts/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=1
dir=build-fuzz
if [[ ! -f $dir/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTREAM_TTS_FUZZ=ON -DSTREAM_TTS_BENCH=OFF -DSTREAM_TTS_LLAMA=OFF >/dev/null
fi
echo "[fuzz] building in $dir" >&2
ninja -C "$dir" -j "$(nproc)" "${targets[@]/#/fuzz_}" >/dev/null
(( build_only )) && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

rows=()
found=0
for t in "${targets[@]}"; do
  corpus=$dir/corpus/$t
  findings=$dir/findings/$t
  log=$dir/logs/$t.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "[fuzz] $t: ${time_s} s$( (( runs >= 0 )) && echo ", at most $runs runs")" >&2
  start=$(date +%s.%N)
  set +e
  "$dir/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$time_s" -runs="$runs" \
    -artifact_prefix="$findings/" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    "${extra[@]}" >"$log" 2>&1
  rc=$?
  set -e
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  if (( rc == 0 )); then
    result=ok
  else
    found=1
    artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | awk '{print $5}')
    result="FOUND (rc $rc) ${artifact:-see $log}"
  fi
  rows+=("$(printf '%-14s %12s %9s %7ss %6s  %s' "$t" "${execs:-?}" "${rate:-?}" "$wall" "${cov:-?}" "$result")")
done

echo
printf '%-14s %12s %9s %8s %6s  %s\n' target execs exec/s time cov result
for r in "${rows[@]}"; do echo "$r"; done
exit $found
