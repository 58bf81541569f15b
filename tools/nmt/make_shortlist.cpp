// Makes a --shortlist file (docs/nmt.md) from a target-language corpus with the model's own tokenizer:
// every piece the target side's SentencePiece model cuts the corpus into, counted, the most frequent
// first, as "piece<TAB>count" lines that read_nmt_shortlist() reads back.
//   st_nmt_make_shortlist --model DIR --corpus FILE [--column N] [--min-count N] [--keep N]
//       [--tgt jpn_Jpan] > shortlist.txt
// --column N takes the N-th tab-separated field of each line (1-based; 0 = the whole line), e.g. 2 for
// the Japanese side of ../shared/data/tatoeba-eng-jpn.dev.tsv. Prints what it kept on stderr.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

#include "stream_tts/status.h"
#include "translate/nmt/nmt_config.h"
#include "translate/nmt/nmt_tokenizer.h"

namespace {

std::string field(const std::string& line, int column) {
  if (column <= 0) return line;
  size_t begin = 0;
  for (int i = 1; i < column; ++i) {
    begin = line.find('\t', begin);
    if (begin == std::string::npos) return {};
    ++begin;
  }
  return line.substr(begin, line.find('\t', begin) - begin);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Make an nmt --shortlist file from a target-language corpus"};
  std::string model, corpus, tgt = "jpn_Jpan";
  int column = 0, min_count = 1, keep = 0;
  app.add_option("--model", model, "Hugging Face model directory (its tokenizer files)")->required();
  app.add_option("--corpus", corpus, "UTF-8 text in the target language, one sentence a line")->required();
  app.add_option("--column", column, "Tab-separated field to read (1-based; 0 = the whole line)")->capture_default_str();
  app.add_option("--min-count", min_count, "Keep pieces seen at least this often")->capture_default_str();
  app.add_option("--keep", keep, "Keep at most this many pieces, the most frequent (0 = all)")
      ->capture_default_str();
  app.add_option("--tgt", tgt, "Target language (NLLB code; ignored by Marian)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const stream_tts::NmtConfig config = stream_tts::load_nmt_config(model);
    auto tokenizer = stream_tts::NmtTokenizer::load(model, config, "eng_Latn", tgt);
    std::ifstream in(corpus);
    if (!in) {
      std::cerr << corpus << ": cannot read\n";
      return 1;
    }
    std::unordered_map<std::string, long> counts;
    long lines = 0, pieces = 0, unknown = 0;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string text = field(line, column);
      if (text.empty()) continue;
      ++lines;
      for (const std::string& piece : tokenizer->target_pieces(text)) {
        ++pieces;
        if (tokenizer->token_id(piece) < 0) {
          ++unknown;  // <unk> at run time; always allowed
          continue;
        }
        ++counts[piece];
      }
    }
    std::vector<std::pair<std::string, long>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
    std::erase_if(sorted, [&](const auto& p) { return p.second < min_count; });
    if (keep > 0 && static_cast<int>(sorted.size()) > keep) sorted.resize(keep);
    std::cout << "# nmt shortlist: " << sorted.size() << " pieces of " << corpus << " (column " << column
              << ", min count " << min_count << ") cut by " << model << "'s target tokenizer\n";
    for (const auto& [piece, count] : sorted) {
      // '#' starts a comment and '\' an escape: such pieces are written with a backslash in front.
      if (piece[0] == '#' || piece[0] == '\\') std::cout << '\\';
      std::cout << piece << '\t' << count << '\n';
    }
    std::cerr << "make_shortlist: kept " << sorted.size() << " of " << counts.size() << " distinct pieces ("
              << lines << " lines, " << pieces << " pieces, " << unknown << " not in the vocabulary)\n";
  } catch (const stream_tts::Error& e) {
    std::cerr << "make_shortlist: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
