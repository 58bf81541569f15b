// The standalone GPU benchmark library links the nmt weight loader but not the CPU kernels (their
// OpenBLAS is not on the GPU machine). The loader builds the LM head's int8 argmax screen only for the
// CPU runner, which this library never asks for (nmt_model_load passes argmax_screen = false); this
// definition satisfies the linker and fails loudly if it is ever reached.
#include "nn/linear.h"
#include "stream_tts/status.h"

namespace stream_tts::nn {

ArgmaxScreen make_argmax_screen(const Linear&) {
  throw Error(StatusCode::kInternal, "argmax screen: not part of the GPU benchmark build");
}

}  // namespace stream_tts::nn
