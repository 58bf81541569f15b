// A small fork-join pool for the CPU kernels. Workers spin briefly and then block, so that a machine
// shared with other work does not lose whole time slices to spinning threads: with OpenMP's default
// (spinning) wait policy a 2-thread int8 decode on a loaded 2-core machine ran 3.4x slower than with
// blocking waits (1489 ms against 437 ms per sentence, Marian-base).
#pragma once

#include <functional>

namespace stream_tts::nn::cpu {

// Sets the number of threads (the caller included); n >= 1. Not concurrent with parallel_for.
void pool_set_threads(int n);
int pool_threads();

// Runs fn(begin, end) over [0, n) cut into chunks (multiples of 4 items, about 8 per thread) that the
// caller and the workers take in turn; returns when every chunk is done. Below `min_per_thread` items
// per thread fewer threads run.
// Concurrent callers are serialised; fn must not call parallel_for itself.
void parallel_for(int n, int min_per_thread, const std::function<void(int, int)>& fn);

}  // namespace stream_tts::nn::cpu
