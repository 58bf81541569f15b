#!/usr/bin/env bash
# A/B/A/B of the FFN partial-sum swizzle (A = HEAD's gemv.cu in a second tree), then bench + check of B.
set -uo pipefail
export PYTHONUNBUFFERED=1
O=/tmp/oldtree
mkdir -p $O && cp -a bench src include .gpu-nmt $O/ && cp build-nmt-ffn-cuda/gemv_old.cu $O/src/nn/cuda/gemv.cu
cmp -s $O/src/nn/cuda/gemv.cu src/nn/cuda/gemv.cu && echo "A and B sources are the same!"
date
(GPU_WORK=/tmp/st-old OUT=/tmp/st-old/out $O/bench/gpu/nmt/run.sh build) &
(bench/gpu/nmt/run.sh build) &
(python3 bench/gpu/nmt/nmt_gpu_bench.py make-model --arch nllb600m --dir /tmp/st-nmt/nllb600m >/tmp/mm.log 2>&1 || cat /tmp/mm.log) &
wait
date
ls -l /tmp/st-old/build/libnmt_cuda_bench.so /tmp/st-nmt/build/libnmt_cuda_bench.so || exit 3
for x in A:/tmp/st-old B:/tmp/st-nmt A2:/tmp/st-old B2:/tmp/st-nmt; do
  echo "=== ${x%%:*} ${x#*:}/build"
  python3 bench/gpu/nmt/nmt_timeline.py --lib ${x#*:}/build/libnmt_cuda_bench.so --dir /tmp/st-nmt/nllb600m \
    --out-dir /tmp/tl/${x%%:*} --reps 100 --sentences 2 \
    --configs int8_sl:1:0:1 int8_sl_block:1:256:1 fp16_sl:0:0:1 int8:1:0:0 int8_block:1:256:0 fp16:0:0:0 2>&1 |
    grep -v Warning
done
date
tar -czf $OUT/ab.tar.gz -C /tmp tl
BENCH_ARGS="--variants 256 --hf-reps 3 --greedy-inputs 100" bench/gpu/nmt/run.sh bench
date
bench/gpu/nmt/run.sh check
date
