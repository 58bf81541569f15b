#pragma once

#include <vector>

namespace stream_tts {

// Percentile by linear interpolation between closest ranks (p in 0..100). NaN when empty.
double percentile(std::vector<double> values, double p);

}  // namespace stream_tts
