// st_g2p_phonemize: Japanese lines on stdin -> "line<TAB>phonemes" on stdout, the C++ counterpart
// of `tools/g2p/make_golden.py --stdin` (compare the two with diff).
//
//   ninja -C build st_g2p_phonemize
//   M=~/.local/share/stream-tts/models/kokoro-ja-g2p
//   build/src/tts/g2p/st_g2p_phonemize --model $M [--misaki-numbers] [--nodes] < lines.txt
//
// --nodes adds a "#<TAB>surface/pos/pron ..." line per input line, as make_golden.py --nodes does;
// --misaki-numbers reads numbers exactly as the Python front end does (NumberStyle::kMisaki).
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "tts/g2p/japanese_g2p.h"

int main(int argc, char** argv) {
  using stream_tts::g2p::G2pConfig;
  G2pConfig config;
  bool nodes = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
      config.model_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--misaki-numbers") == 0) {
      config.numbers = stream_tts::g2p::NumberStyle::kMisaki;
    } else if (std::strcmp(argv[i], "--nodes") == 0) {
      nodes = true;
    } else {
      std::cerr << "usage: st_g2p_phonemize --model DIR [--misaki-numbers] [--nodes] < lines\n";
      return 2;
    }
  }
  try {
    stream_tts::g2p::JapaneseG2p g2p(config);
    std::string line;
    std::string phonemes;
    std::vector<stream_tts::g2p::NjdWord> words;
    while (std::getline(std::cin, line)) {
      if (stream_tts::Status st = g2p.phonemize(line, &phonemes); !st) {
        std::cerr << st.to_string() << "\n";
        return 1;
      }
      std::cout << line << '\t' << phonemes << '\n';
      if (nodes) {
        (void)g2p.analyze(line, &words);
        std::cout << "#\t";
        for (size_t k = 0; k < words.size(); ++k) {
          std::cout << (k > 0 ? " " : "") << words[k].string << '/' << words[k].pos << '/'
                    << words[k].pron;
        }
        std::cout << '\n';
      }
    }
  } catch (const stream_tts::Error& e) {
    std::cerr << "st_g2p_phonemize: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
