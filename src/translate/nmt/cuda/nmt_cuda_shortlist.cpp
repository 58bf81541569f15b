// The vocabulary shortlist on the GPU (NmtCudaOptions::shortlist, nmt_shortlist.h): a compact copy of
// the listed LM-head rows made once, and a fixed number of slot rows that each sentence fills with its
// own source ids before its encoder runs, so the decode graphs keep one shape for every sentence.
// The LM-head kernel maps its argmax back to full ids through row_ids (kernels.cuh LmHeadArgs).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <string>
#include <vector>

#include "nn/cuda/check.cuh"
#include "nn/cuda/kernels.cuh"
#include "translate/nmt/cuda/nmt_cuda_runner_impl.h"
#include "translate/nmt/nmt_shortlist.h"

namespace stream_tts {

void NmtCudaRunner::Impl::init_shortlist() {
  const std::vector<int>& ids = options.shortlist;
  if (ids.empty()) return;
  const nmt_cuda::DeviceLinear& full = w.lm_head;
  if (!std::is_sorted(ids.begin(), ids.end()) || std::adjacent_find(ids.begin(), ids.end()) != ids.end() ||
      ids.front() < 0 || ids.back() >= full.n) {
    throw Error(StatusCode::kInvalidArgument,
                "nmt cuda: the shortlist must be sorted, unique ids of the decoder vocabulary (" +
                    std::to_string(full.n) + " tokens)");
  }
  shortlist_base = static_cast<int>(ids.size());
  // One slot for every source position the runner takes, so that every source token always fits.
  shortlist_slots = max_src;
  const int n = shortlist_base + shortlist_slots;
  host_row_ids = ids;
  host_row_ids.resize(n, ids.front());
  row_ids = arena.alloc_n<int>(n);
  ST_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host_slots), shortlist_slots * sizeof(int)));
  lm_compact.n = n;
  lm_compact.k = full.k;
  lm_compact.int8 = full.int8;
  lm_compact.w = arena.alloc(static_cast<size_t>(n) * full.k * (full.int8 ? 1 : 2));
  if (full.int8) lm_compact.scale = arena.alloc_n<float>(n);
  lm_compact.bias = arena.alloc_n<float>(n);  // final_logits_bias (zeros when the model has none)
  // The arena's zero-fills run on the legacy default stream: they must land before our stream's copies.
  // The rows themselves are gathered once the head's every array exists (init: gather_compact_rows).
  ST_CUDA_CHECK(cudaDeviceSynchronize());
  ST_CUDA_CHECK(cudaMemcpyAsync(row_ids, host_row_ids.data(), n * sizeof(int), cudaMemcpyHostToDevice, stream));
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
}

// Rows [first, first + count) of the compact LM head from the full one by row_ids, every array of a
// row in one launch: weights, int8 scales, bias and, when folded (init_ln_fold), the LayerNorm's row
// constants.
void NmtCudaRunner::Impl::gather_compact_rows(int first, int count) {
  const nmt_cuda::DeviceLinear& full = w.lm_head;
  kern::GatherRowsArgs g;
  g.ids = row_ids + first;
  g.rows = count;
  auto add = [&](const void* src, void* dst_base, int row_bytes) {
    g.src[g.arrays] = src;
    g.dst[g.arrays] = static_cast<char*>(dst_base) + static_cast<size_t>(first) * row_bytes;
    g.row_bytes[g.arrays++] = row_bytes;
  };
  add(full.w, lm_compact.w, full.k * (full.int8 ? 1 : 2));
  if (full.int8) add(full.scale, lm_compact.scale, sizeof(float));
  add(full.bias, lm_compact.bias, sizeof(float));
  if (full.ln_sum != nullptr) {
    add(full.ln_sum, lm_compact.ln_sum, sizeof(float));
    add(full.ln_bias, lm_compact.ln_bias, sizeof(float));
  }
  kern::gather_rows_multi(g, stream);
}

// Slot rows = the sentence's source ids that the shortlist lacks (each once), the rest repeat the
// first listed id (same logit and id as that row: no effect on the argmax). Their ids go to host_slots
// here; copy_in() copies them before the encoder, whose first kernel gathers the rows
// (record_slot_rows). host_slots is free again because every sentence ends with a synchronisation.
void NmtCudaRunner::Impl::fill_slots(const std::vector<int>& source_ids) {
  if (!shortlisted()) return;
  const std::vector<int>& ids = options.shortlist;
  std::vector<int> extra = source_ids_outside(ids, source_ids, w.lm_head.n);
  extra.resize(shortlist_slots, ids.front());  // source_len <= max_src = shortlist_slots
  std::copy(extra.begin(), extra.end(), host_slots);
  std::copy(extra.begin(), extra.end(), host_row_ids.begin() + shortlist_base);
}

// The slot rows of the compact LM head (weights, scales, bias, the folded LayerNorm's constants) from
// the full one, in one launch at the start of the encoder graph (copy_in() copied their ids). Five
// separate gathers before the graph took 0.05 ms a sentence on an H100 (2026-11-28).
void NmtCudaRunner::Impl::record_slot_rows() {
  if (shortlisted()) gather_compact_rows(shortlist_base, shortlist_slots);
}

}  // namespace stream_tts
