#include "translate/nmt/cuda/nmt_cuda_weights.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "nn/cuda/check.cuh"
#include "nn/cuda/kernels.cuh"

namespace stream_tts::nmt_cuda {

namespace kern = nn::cuda;

DeviceArena::~DeviceArena() {
  for (void* p : blocks_) cudaFree(p);
}

void* DeviceArena::alloc(size_t bytes) {
  void* p = nullptr;
  ST_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(bytes, 16)));
  blocks_.push_back(p);
  bytes_ += bytes;
  ST_CUDA_CHECK(cudaMemset(p, 0, std::max<size_t>(bytes, 16)));
  return p;
}

namespace {

// Host fp32 / int8 tensors pass through one reusable device staging buffer on their way to fp16/int8.
class Uploader {
 public:
  Uploader(DeviceArena& arena, bool int8, cudaStream_t stream) : arena_(arena), int8_(int8), stream_(stream) {}
  ~Uploader() {
    if (staging_ != nullptr) cudaFree(staging_);
  }

  void* staging(size_t bytes) {
    if (bytes > staging_bytes_) {
      if (staging_ != nullptr) {
        ST_CUDA_CHECK(cudaStreamSynchronize(stream_));
        ST_CUDA_CHECK(cudaFree(staging_));
      }
      ST_CUDA_CHECK(cudaMalloc(&staging_, bytes));
      staging_bytes_ = bytes;
    }
    return staging_;
  }

  // Copies host memory to the staging buffer, on the upload stream: a plain cudaMemcpy from pageable
  // memory may return before its DMA has landed and is ordered only on the legacy default stream, so
  // the conversion kernels on our (non-blocking) stream could read a half-written staging buffer.
  // The stream is synchronized first so that the staging buffer is free again.
  void* stage(const void* host, size_t bytes) {
    void* d = staging(bytes);
    ST_CUDA_CHECK(cudaStreamSynchronize(stream_));
    ST_CUDA_CHECK(cudaMemcpyAsync(d, host, bytes, cudaMemcpyHostToDevice, stream_));
    return d;
  }

  void copy(void* device, const void* host, size_t bytes) {
    ST_CUDA_CHECK(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream_));
    ST_CUDA_CHECK(cudaStreamSynchronize(stream_));  // the host source may be a temporary
  }

  float* floats(const nn::FloatTensor& t) {
    if (t.empty()) return nullptr;
    float* d = arena_.alloc_n<float>(t.numel());
    copy(d, t.data, t.numel() * sizeof(float));
    return d;
  }

  uint16_t* half_table(const nn::FloatTensor& t) {
    uint16_t* d = arena_.alloc_n<uint16_t>(t.numel());
    const float* s = static_cast<const float*>(stage(t.data, t.numel() * sizeof(float)));
    kern::f32_to_half(s, t.numel(), d, stream_);
    return d;
  }

  DeviceLinear make(int n, int k) {
    DeviceLinear l;
    l.n = n;
    l.k = k;
    l.int8 = int8_;
    l.w = int8_ ? arena_.alloc(static_cast<size_t>(n) * k) : arena_.alloc(static_cast<size_t>(n) * k * 2);
    if (int8_) l.scale = arena_.alloc_n<float>(n);
    l.bias = arena_.alloc_n<float>(n);
    max_elements = std::max(max_elements, static_cast<size_t>(n) * k);
    return l;
  }

  // Writes `src` into rows [row, row + src.out) of `dst`.
  void put(DeviceLinear& dst, int row, const nn::Linear& src) {
    if (src.in != dst.k || row + src.out > dst.n) {
      throw Error(StatusCode::kInternal, "nmt cuda: linear layer shape mismatch while uploading");
    }
    const size_t count = static_cast<size_t>(src.out) * src.in;
    const size_t first = static_cast<size_t>(row) * dst.k;
    if (src.quantized()) {
      const auto* q = static_cast<const int8_t*>(stage(src.qweight.data(), count));
      if (dst.int8) {
        ST_CUDA_CHECK(cudaMemcpyAsync(static_cast<int8_t*>(dst.w) + first, q, count, cudaMemcpyDeviceToDevice, stream_));
        copy(dst.scale + row, src.qscale.data(), src.out * sizeof(float));
      } else {
        float* scale = arena_scratch_scale(src.out);
        copy(scale, src.qscale.data(), src.out * sizeof(float));
        kern::dequantize_rows_int8(q, scale, src.out, src.in, static_cast<uint16_t*>(dst.w) + first, stream_);
      }
    } else {
      const auto* s = static_cast<const float*>(stage(src.weight.data, count * sizeof(float)));
      if (dst.int8) {
        kern::quantize_rows_int8(s, src.out, src.in, static_cast<int8_t*>(dst.w) + first, dst.scale + row, stream_);
      } else {
        kern::f32_to_half(s, count, static_cast<uint16_t*>(dst.w) + first, stream_);
      }
    }
    if (!src.bias.empty()) {
      copy(dst.bias + row, src.bias.data, src.out * sizeof(float));
    }
    ST_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  DeviceLinear linear(const nn::Linear& src) {
    DeviceLinear l = make(src.out, src.in);
    put(l, 0, src);
    return l;
  }

  DeviceNorm norm(const NmtNorm& n) { return {floats(n.gamma), floats(n.beta)}; }

  size_t max_elements = 0;

 private:
  float* arena_scratch_scale(int n) {
    if (n > scale_scratch_n_) {
      scale_scratch_ = arena_.alloc_n<float>(n);
      scale_scratch_n_ = n;
    }
    return scale_scratch_;
  }

  DeviceArena& arena_;
  bool int8_;
  cudaStream_t stream_;
  void* staging_ = nullptr;
  size_t staging_bytes_ = 0;
  float* scale_scratch_ = nullptr;
  int scale_scratch_n_ = 0;
};

}  // namespace

DeviceWeights upload_nmt_weights(const NmtModel& model, bool int8, DeviceArena& arena, cudaStream_t stream) {
  const NmtConfig& c = model.config;
  const NmtWeights& w = *model.weights;
  const int d = c.d_model;
  Uploader up(arena, int8, stream);
  DeviceWeights dw;
  dw.encoder_embed = up.half_table(w.encoder_embed);
  dw.decoder_embed =
      w.decoder_embed.data == w.encoder_embed.data ? dw.encoder_embed : up.half_table(w.decoder_embed);
  auto layer = [&](const NmtLayerWeights& l, bool decoder) {
    DeviceLayer out;
    out.qkv = up.make(3 * d, d);
    up.put(out.qkv, 0, l.self_attn.q);
    up.put(out.qkv, d, l.self_attn.k);
    up.put(out.qkv, 2 * d, l.self_attn.v);
    out.out = up.linear(l.self_attn.out);
    if (decoder) {
      out.cross_q = up.linear(l.cross_attn.q);
      out.cross_out = up.linear(l.cross_attn.out);
      out.cross_norm = up.norm(l.cross_attn_norm);
    }
    out.fc1 = up.linear(l.fc1);
    out.fc2 = up.linear(l.fc2);
    out.self_norm = up.norm(l.self_attn_norm);
    out.final_norm = up.norm(l.final_norm);
    return out;
  };
  for (const auto& l : w.encoder) dw.encoder.push_back(layer(l, false));
  for (const auto& l : w.decoder) dw.decoder.push_back(layer(l, true));
  if (c.normalize_before) {
    dw.encoder_norm = up.norm(w.encoder_norm);
    dw.decoder_norm = up.norm(w.decoder_norm);
  }
  const int layers = static_cast<int>(w.decoder.size());
  dw.cross_kv = up.make(2 * d * layers, d);
  for (int l = 0; l < layers; ++l) {
    up.put(dw.cross_kv, 2 * d * l, w.decoder[l].cross_attn.k);
    up.put(dw.cross_kv, 2 * d * l + d, w.decoder[l].cross_attn.v);
  }
  const nn::Linear& head = w.lm_head;
  if (!int8 && !head.quantized() && head.weight.data == w.decoder_embed.data) {
    // Tied fp16 head: the decoder embedding table itself (one copy of 256k × d on the device).
    dw.lm_head.n = head.out;
    dw.lm_head.k = head.in;
    dw.lm_head.w = dw.decoder_embed;
    dw.lm_head.bias = arena.alloc_n<float>(head.out);
  } else {
    dw.lm_head = up.linear(head);
  }
  if (!w.final_logits_bias.empty()) {
    up.copy(dw.lm_head.bias, w.final_logits_bias.data(), w.final_logits_bias.size() * sizeof(float));
  }
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  ST_CUDA_CHECK(cudaDeviceSynchronize());  // the arena's zero-fills run on the legacy default stream
  dw.max_linear_elements = up.max_elements;
  return dw;
}

}  // namespace stream_tts::nmt_cuda
