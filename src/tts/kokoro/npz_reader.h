// NumPy's .npz (a zip of .npy arrays, as np.savez writes it: entries stored, not deflated; zip64
// headers) read in place. Only what the Kokoro voices need: little-endian numeric arrays in C
// order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::kokoro {

struct NpyArray {
  std::string name;   // the entry name without ".npy"
  std::string descr;  // NumPy dtype string: "<f4", "|u1", ...
  std::vector<size_t> shape;
  std::string_view data;  // the elements (a view into the archive's bytes)
};

// Reads every .npy entry of `archive`. Throws Error(kDataError) naming `source` and the problem
// (not a zip, a deflated entry (np.savez_compressed), a CRC mismatch, a bad .npy header, a shape
// that does not match the data, Fortran order) — every offset and size is checked against the
// archive's size first.
std::vector<NpyArray> read_npz(std::string_view archive, std::string_view source);

// One .npy file's bytes -> array (name left empty). Same errors.
NpyArray read_npy(std::string_view bytes, std::string_view source);

}  // namespace stream_tts::kokoro
