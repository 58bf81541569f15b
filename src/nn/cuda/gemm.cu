// Small-M products of the encoder: Y[m, n] = X[m, :] · W[n, :] for a sentence (m = source tokens, tens),
// fp16 operands on the tensor cores (WMMA 16×16×16) with fp32 sums. A block owns 16 output columns and
// 32 rows; its 8 warps split K and add their partial tiles through shared memory.
#include <mma.h>

#include "nn/cuda/device_utils.cuh"

namespace stream_tts::nn::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kTileN = 16;
constexpr int kTileM = 32;
constexpr int kBatch = 8;  // k-steps of 16 whose operands a warp loads before multiplying

__global__ void __launch_bounds__(kWarps * 32) gemm_kernel(const __half* x, const __half* w, int m, int n, int k,
                                                           float* y, int ldy) {
  using namespace nvcuda;
  __shared__ float partial[kWarps][kTileM][kTileN];
  const int warp = threadIdx.x >> 5;
  const int n0 = blockIdx.x * kTileN, m0 = blockIdx.y * kTileM;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc0, acc1;
  wmma::fill_fragment(acc0, 0.0f);
  wmma::fill_fragment(acc1, 0.0f);
  // Rows past m read whatever the (max-sized) X buffer holds there; their results are never stored.
  // kBatch k-steps' operands are loaded before the first product, so that a warp waits one memory round
  // trip a batch instead of one a step (k = 1024: one batch).
  for (int k0 = warp * 16; k0 < k; k0 += kWarps * 16 * kBatch) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a0[kBatch], a1[kBatch];
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> b[kBatch];
#pragma unroll
    for (int u = 0; u < kBatch; ++u) {
      const int kk = k0 + u * kWarps * 16;
      if (kk < k) {
        wmma::load_matrix_sync(b[u], w + static_cast<size_t>(n0) * k + kk, k);
        wmma::load_matrix_sync(a0[u], x + static_cast<size_t>(m0) * k + kk, k);
        wmma::load_matrix_sync(a1[u], x + static_cast<size_t>(m0 + 16) * k + kk, k);
      }
    }
#pragma unroll
    for (int u = 0; u < kBatch; ++u) {
      if (k0 + u * kWarps * 16 < k) {
        wmma::mma_sync(acc0, a0[u], b[u], acc0);
        wmma::mma_sync(acc1, a1[u], b[u], acc1);
      }
    }
  }
  wmma::store_matrix_sync(&partial[warp][0][0], acc0, kTileN, wmma::mem_row_major);
  wmma::store_matrix_sync(&partial[warp][16][0], acc1, kTileN, wmma::mem_row_major);
  __syncthreads();
  for (int i = threadIdx.x; i < kTileM * kTileN; i += kWarps * 32) {
    const int r = i / kTileN, c = i % kTileN;
    if (m0 + r >= m || n0 + c >= n) continue;
    float s = 0.0f;
#pragma unroll
    for (int p = 0; p < kWarps; ++p) s += partial[p][r][c];
    y[static_cast<size_t>(m0 + r) * ldy + n0 + c] = s;
  }
}

}  // namespace

void gemm_small_m(const uint16_t* x, const uint16_t* w, int m, int n, int k, float* y, int ldy, cudaStream_t stream) {
  if (n % kTileN != 0 || k % 16 != 0) {
    throw Error(StatusCode::kInvalidArgument, "gemm_small_m: n and k must be multiples of 16");
  }
  const dim3 grid(n / kTileN, (m + kTileM - 1) / kTileM);
  gemm_kernel<<<grid, kWarps * 32, 0, stream>>>(reinterpret_cast<const __half*>(x), reinterpret_cast<const __half*>(w),
                                                m, n, k, y, ldy);
  ST_CUDA_CHECK(cudaGetLastError());
}

}  // namespace stream_tts::nn::cuda
