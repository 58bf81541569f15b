// The nmt backend's target-vocabulary shortlist (--shortlist, nmt_shortlist.h) on the tiny golden
// models: a shortlist holding every token of the outputs changes no greedy output, one listing every
// piece changes no beam output, a token
// left out is never emitted, the compact LM head gives the full head's logits bit for bit, and bad
// files are errors naming the file and line.
// tests/golden/nmt/<model>.shortlist.txt = the pieces of every output id of <model>.golden.json and
// <model>.beams.json (special tokens excluded: they are always allowed); CoversTheGoldenOutputs keeps
// it honest.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>

#include "translate/nmt/nmt_model.h"
#include "translate/nmt/nmt_shortlist.h"
#include "translate/nmt/nmt_tokenizer.h"
#include "translate/nmt/nmt_translator.h"
#include "translate/nmt/piece_vocab.h"

namespace stream_tts {
namespace {

namespace fs = std::filesystem;

const std::string kGolden = std::string(STREAM_TTS_GOLDEN_DIR) + "/nmt";

struct GoldenCase {
  std::string text;
  std::vector<int> source_ids, output_ids;
};

std::vector<int> ints(simdjson::dom::array a) {
  std::vector<int> v;
  for (auto x : a) v.push_back(static_cast<int>(int64_t(x)));
  return v;
}

// Cases of <model>.golden.json (beams 0) or of <model>.beams.json for `beams`.
std::vector<GoldenCase> golden_cases(const std::string& model, int beams) {
  simdjson::dom::parser parser;
  std::vector<GoldenCase> out;
  simdjson::dom::array cases;
  simdjson::dom::element root;
  if (beams == 0) {
    root = parser.load(kGolden + "/" + model + ".golden.json");
    cases = root["cases"];
  } else {
    root = parser.load(kGolden + "/" + model + ".beams.json");
    cases = root["beams"][std::to_string(beams)];
  }
  for (auto c : cases) {
    out.push_back({std::string(std::string_view(c["text"])), ints(c["source_ids"]), ints(c["output_ids"])});
  }
  return out;
}

int golden_max_new_tokens(const std::string& model) {
  simdjson::dom::parser parser;
  return static_cast<int>(int64_t(parser.load(kGolden + "/" + model + ".golden.json")["max_new_tokens"]));
}

TranslatorConfig config_for(const std::string& model, const std::string& shortlist, int beams = 1) {
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.model = kGolden + "/" + model;
  tc.source_lang = "eng_Latn";
  tc.target_lang = "jpn_Jpan";
  tc.max_tokens = golden_max_new_tokens(model);
  tc.threads = 1;
  tc.beams = beams;
  tc.shortlist = shortlist;
  return tc;
}

std::string shortlist_file(const std::string& model) { return kGolden + "/" + model + ".shortlist.txt"; }

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("st_nmt_shortlist_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".txt");
    std::ofstream(path_) << text;
  }
  ~TempFile() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class NmtShortlistGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(NmtShortlistGolden, CoversTheGoldenOutputs) {
  const std::string model = GetParam();
  const NmtConfig c = load_nmt_config(kGolden + "/" + model);
  auto tok = NmtTokenizer::load(kGolden + "/" + model, c, "eng_Latn", "jpn_Jpan");
  const std::vector<int> ids =
      shortlist_with_specials(read_nmt_shortlist(shortlist_file(model), *tok, c.decoder_vocab_size), c, *tok);
  EXPECT_LT(ids.size(), static_cast<size_t>(c.decoder_vocab_size) / 10) << "the shortlist must be a real restriction";
  for (int beams : {0, 2, 4}) {
    for (const auto& k : golden_cases(model, beams)) {
      for (int id : k.output_ids) EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), id)) << id;
    }
  }
}

TEST_P(NmtShortlistGolden, GreedyOutputsAreUnchangedWhenEveryOutputTokenIsAllowed) {
  const std::string model = GetParam();
  NmtTranslator full(config_for(model, ""));
  NmtTranslator short_(config_for(model, shortlist_file(model)));
  for (const auto& k : golden_cases(model, 0)) {
    auto a = full.translate(k.text);
    auto b = short_.translate(k.text);
    ASSERT_TRUE(a && b) << k.text;
    EXPECT_EQ(short_.last_output_ids(), full.last_output_ids()) << k.text;
    EXPECT_EQ(b.value(), a.value()) << k.text;
  }
}

// Beam search normalises its log-probabilities over the allowed tokens (as Marian's and CTranslate2's
// vocabulary shortlists do), so a shortlist may change a beam output even when it allows every token
// of it: on these random-weight models the golden-output shortlist (about 25 of 2,204 tokens) keeps
// 11-14 of 24 beam outputs. What must hold exactly: a file listing every piece gives transformers'
// beam outputs (the compact head, its row order and the scatter change no bit).
TEST_P(NmtShortlistGolden, BeamOutputsMatchTransformersWhenEveryPieceIsListed) {
  const std::string model = GetParam();
  const NmtConfig c = load_nmt_config(kGolden + "/" + model);
  const std::string dir = kGolden + "/" + model;
  const nmt_detail::PieceVocab vocab = c.arch == NmtArch::kMarian
                                           ? nmt_detail::read_vocab_json(dir + "/vocab.json")
                                           : nmt_detail::read_tokenizer_json(dir + "/tokenizer.json");
  std::string text = "# every piece\n";
  int listed = 0;
  for (int id = 0; id < c.decoder_vocab_size && id < static_cast<int>(vocab.pieces.size()); ++id) {
    const std::string& piece = vocab.pieces[id];
    if (piece.empty()) continue;
    text += (piece[0] == '#' || piece[0] == '\\' ? "\\" : "") + piece + "\n";
    ++listed;
  }
  EXPECT_GT(listed, c.decoder_vocab_size * 9 / 10);
  TempFile file(text);
  for (int beams : {2, 4}) {
    NmtTranslator t(config_for(model, file.path(), beams));
    for (const auto& k : golden_cases(model, beams)) {
      auto r = t.translate(k.text);
      ASSERT_TRUE(r) << r.status().to_string();
      EXPECT_EQ(t.last_output_ids(), k.output_ids) << beams << " beams: " << k.text;
    }
  }
}

TEST_P(NmtShortlistGolden, ATokenLeftOutIsNeverEmittedAndDecodingStillEnds) {
  const std::string model = GetParam();
  const auto cases = golden_cases(model, 0);
  const NmtConfig c = load_nmt_config(kGolden + "/" + model);
  auto tok = NmtTokenizer::load(kGolden + "/" + model, c, "eng_Latn", "jpn_Jpan");
  const std::vector<int> listed = read_nmt_shortlist(shortlist_file(model), *tok, c.decoder_vocab_size);
  // The most frequent listed token of the golden outputs that no source sentence holds (source tokens
  // are always allowed).
  std::set<int> in_sources;
  for (const auto& k : cases) in_sources.insert(k.source_ids.begin(), k.source_ids.end());
  std::map<int, int> counts;
  for (const auto& k : cases) {
    for (int id : k.output_ids) {
      if (std::find(listed.begin(), listed.end(), id) != listed.end() && !in_sources.count(id)) ++counts[id];
    }
  }
  ASSERT_FALSE(counts.empty());
  const int banned = std::max_element(counts.begin(), counts.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  // The fixture without the banned piece's line.
  std::string text;
  std::ifstream in(shortlist_file(model));
  for (std::string line; std::getline(in, line);) {
    std::string piece = line.rfind('\\', 0) == 0 ? line.substr(1) : line;
    if (line.empty() || line[0] == '#' || tok->token_id(piece) != banned) text += line + "\n";
  }
  TempFile file(text);
  for (int beams : {1, 2}) {
    TranslatorConfig tc = config_for(model, file.path(), beams);
    NmtTranslator t(tc);
    int had_it = 0;
    for (const auto& k : cases) {
      had_it += std::count(k.output_ids.begin(), k.output_ids.end(), banned) > 0;
      auto r = t.translate(k.text);
      ASSERT_TRUE(r) << r.status().to_string();
      const auto& ids = t.last_output_ids();
      EXPECT_EQ(std::count(ids.begin(), ids.end(), banned), 0) << k.text;
      EXPECT_LE(ids.size(), static_cast<size_t>(tc.max_tokens) + 1) << k.text;
      EXPECT_TRUE(ids.back() == c.eos_token_id || ids.size() == static_cast<size_t>(tc.max_tokens) + 1) << k.text;
    }
    EXPECT_GT(had_it, 0);
  }
}

TEST_P(NmtShortlistGolden, CompactHeadGivesTheFullLogitsOfTheAllowedTokens) {
  const std::string model = GetParam();
  const auto cases = golden_cases(model, 0);
  for (bool int8 : {false, true}) {
    auto m = NmtModel::load(kGolden + "/" + model, int8);
    auto tok = NmtTokenizer::load(kGolden + "/" + model, m->config, "eng_Latn", "jpn_Jpan");
    const int vocab = m->config.decoder_vocab_size;
    auto shortlist = make_nmt_shortlist(
        *m, shortlist_with_specials(read_nmt_shortlist(shortlist_file(model), *tok, vocab), m->config, *tok));
    NmtRunner full(m), compact(m), screened(m);
    compact.set_shortlist(shortlist);
    // fp32: the same rows with their int8 screen (what greedy fp32 decoding uses); int8 models get none.
    screened.set_shortlist(make_nmt_shortlist(*m, shortlist->ids, /*argmax_screen=*/true));
    for (size_t i = 0; i < 4 && i < cases.size(); ++i) {
      const auto& k = cases[i];
      ASSERT_TRUE(full.encode(k.source_ids, 8));
      ASSERT_TRUE(compact.encode(k.source_ids, 8));
      ASSERT_TRUE(screened.encode(k.source_ids, 8));
      std::set<int> allowed(shortlist->ids.begin(), shortlist->ids.end());
      allowed.insert(k.source_ids.begin(), k.source_ids.end());
      EXPECT_EQ(compact.allowed_tokens(), static_cast<int>(allowed.size()));
      for (int t = 0; t < 3; ++t) {
        const int token = k.output_ids[t];
        auto a = full.step(token);
        ASSERT_TRUE(a);
        std::vector<float> want(a.value(), a.value() + vocab);
        auto b = compact.step(token);
        ASSERT_TRUE(b);
        ASSERT_TRUE(screened.advance(token));
        for (int id = 0; id < vocab; ++id) {
          if (allowed.count(id)) {
            ASSERT_EQ(b.value()[id], want[id]) << "id " << id << (int8 ? " int8" : " fp32");
          } else {
            ASSERT_EQ(b.value()[id], -INFINITY) << "id " << id;
          }
        }
        // argmax: the best allowed id (the first on ties), suppressed ids skipped.
        int best = -1;
        for (int id : allowed) {
          if (std::count(m->config.suppressed_token_ids.begin(), m->config.suppressed_token_ids.end(), id)) continue;
          if (best < 0 || want[id] > want[best]) best = id;
        }
        EXPECT_EQ(compact.argmax(m->config.suppressed_token_ids), best);
        EXPECT_EQ(screened.argmax(m->config.suppressed_token_ids), best) << (int8 ? "int8" : "fp32 screen");
        // With the winner excluded too: the runner-up, through the screen's excluded rows and the slots.
        std::vector<int> excluded = m->config.suppressed_token_ids;
        excluded.push_back(best);
        int second = -1;
        for (int id : allowed) {
          if (std::count(excluded.begin(), excluded.end(), id)) continue;
          if (second < 0 || want[id] > want[second]) second = id;
        }
        EXPECT_EQ(compact.argmax(excluded), second);
        EXPECT_EQ(screened.argmax(excluded), second) << (int8 ? "int8" : "fp32 screen");
      }
    }
  }
}

// A shortlist large enough for the int8 screen to narrow the search (half the vocabulary): the screened
// greedy pick equals the plain compact head's at every step, also with the winner excluded, and the
// screen did skip rows (a screen that always fell back to reading every row would not show here).
TEST_P(NmtShortlistGolden, ScreenedArgmaxEqualsThePlainCompactHead) {
  const std::string model = GetParam();
  const auto cases = golden_cases(model, 0);
  auto m = NmtModel::load(kGolden + "/" + model, false);
  auto tok = NmtTokenizer::load(kGolden + "/" + model, m->config, "eng_Latn", "jpn_Jpan");
  std::vector<int> half;
  for (int id = 0; id < m->config.decoder_vocab_size; id += 2) half.push_back(id);
  const std::vector<int> ids = shortlist_with_specials(half, m->config, *tok);
  NmtRunner plain(m), screened(m);
  plain.set_shortlist(make_nmt_shortlist(*m, ids, false));
  screened.set_shortlist(make_nmt_shortlist(*m, ids, true));
  int narrowed = 0, steps = 0;
  for (size_t i = 0; i < 8 && i < cases.size(); ++i) {
    const auto& k = cases[i];
    ASSERT_TRUE(plain.encode(k.source_ids, 64));
    ASSERT_TRUE(screened.encode(k.source_ids, 64));
    for (size_t t = 0; t < k.output_ids.size() && t < 12; ++t) {
      ASSERT_TRUE(plain.advance(k.output_ids[t]));
      ASSERT_TRUE(screened.advance(k.output_ids[t]));
      std::vector<int> excluded = m->config.suppressed_token_ids;
      int recomputed = -2;
      const int best = plain.argmax(excluded);
      EXPECT_EQ(screened.argmax(excluded, &recomputed), best) << k.text << " step " << t;
      if (recomputed >= 0) ++narrowed;
      excluded.push_back(best);
      EXPECT_EQ(screened.argmax(excluded), plain.argmax(excluded)) << k.text << " step " << t;
      ++steps;
    }
  }
  EXPECT_GT(steps, 20);
  EXPECT_GT(narrowed, steps / 2) << "the screen should narrow most steps";
}

// NmtTranslator::set_shortlist_ids (the benchmark hook) on a translator built without a shortlist
// (fp32 greedy: loaded with the LM head's int8 screen) gives what --shortlist FILE gives for the same
// ids: greedy and beam outputs. Beam outputs change under this shortlist (see above), so a hook that
// restricted nothing would fail here.
TEST_P(NmtShortlistGolden, IdsHookGivesTheFileOutputs) {
  const std::string model = GetParam();
  const NmtConfig c = load_nmt_config(kGolden + "/" + model);
  auto tok = NmtTokenizer::load(kGolden + "/" + model, c, "eng_Latn", "jpn_Jpan");
  const std::vector<int> listed = read_nmt_shortlist(shortlist_file(model), *tok, c.decoder_vocab_size);
  for (int beams : {1, 2}) {
    NmtTranslator from_file(config_for(model, shortlist_file(model), beams));
    NmtTranslator from_ids(config_for(model, "", beams));
    NmtTranslator full(config_for(model, "", beams));
    from_ids.set_shortlist_ids(listed);
    int changed = 0;
    for (const auto& k : golden_cases(model, beams == 1 ? 0 : beams)) {
      auto a = from_file.translate(k.text);
      auto b = from_ids.translate(k.text);
      auto f = full.translate(k.text);
      ASSERT_TRUE(a && b && f) << k.text;
      EXPECT_EQ(from_ids.last_output_ids(), from_file.last_output_ids()) << beams << " beams: " << k.text;
      changed += full.last_output_ids() != from_file.last_output_ids();
    }
    if (beams > 1) EXPECT_GT(changed, 0) << "the shortlist must change some beam output";
  }
  NmtTranslator t(config_for(model, ""));
  try {
    t.set_shortlist_ids({5, c.decoder_vocab_size});
    FAIL() << "no error for an id outside the vocabulary";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, NmtShortlistGolden, ::testing::Values("tiny-nllb", "tiny-marian"));

std::string load_error(const std::string& shortlist_text) {
  TempFile file(shortlist_text);
  try {
    NmtTranslator t(config_for("tiny-nllb", file.path()));
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    std::string what = e.what();
    EXPECT_NE(what.find(file.path()), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no error for:\n" << shortlist_text;
  return "";
}

TEST(NmtShortlistFile, UnknownPieceIsAnErrorNamingFileAndLine) {
  const std::string e = load_error("# comment\n\u2581three\nno-such-piece-here\n");
  EXPECT_NE(e.find(":3:"), std::string::npos) << e;
  EXPECT_NE(e.find("no-such-piece-here"), std::string::npos) << e;
}

TEST(NmtShortlistFile, EmptyOrMalformedFilesAreErrors) {
  EXPECT_NE(load_error("# only comments\n\n").find("no pieces"), std::string::npos);
  EXPECT_NE(load_error("\u2581three\n\t12\n").find(":2:"), std::string::npos);
  // A piece with trailing spaces is not the piece.
  EXPECT_NE(load_error("\u2581three \n").find(":1:"), std::string::npos);
}

TEST(NmtShortlistFile, MissingFileIsNotFound) {
  TranslatorConfig tc = config_for("tiny-nllb", "/nonexistent/shortlist.txt");
  try {
    NmtTranslator t(tc);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/shortlist.txt"), std::string::npos);
  }
}

TEST(NmtShortlistFile, CommentsCountsAndEscapesAreRead) {
  const NmtConfig c = load_nmt_config(kGolden + "/tiny-nllb");
  auto tok = NmtTokenizer::load(kGolden + "/tiny-nllb", c, "eng_Latn", "jpn_Jpan");
  ASSERT_GE(tok->token_id("\u2581three"), 0);
  TempFile file("# header\r\n\u2581three\t41\r\n\n\\\u2581three\n");
  const std::vector<int> ids = read_nmt_shortlist(file.path(), *tok, c.decoder_vocab_size);
  EXPECT_EQ(ids, (std::vector<int>{tok->token_id("\u2581three"), tok->token_id("\u2581three")}));
  const std::vector<int> with = shortlist_with_specials(ids, c, *tok);
  for (int id : {c.eos_token_id, c.pad_token_id, tok->unk_id(), *tok->forced_bos(), tok->token_id("\u2581three")}) {
    EXPECT_TRUE(std::binary_search(with.begin(), with.end(), id)) << id;
  }
  EXPECT_EQ(std::adjacent_find(with.begin(), with.end()), with.end());
}

TEST(NmtShortlistFile, MakeShortlistOutputReadsBack) {
  // The format tools/nmt/make_shortlist.cpp writes: a '#' header, then "piece<TAB>count".
  const std::string text = read_text(shortlist_file("tiny-marian"));
  const NmtConfig c = load_nmt_config(kGolden + "/tiny-marian");
  auto tok = NmtTokenizer::load(kGolden + "/tiny-marian", c, "eng_Latn", "jpn_Jpan");
  std::string counted = "# made by make_shortlist\n";
  std::ifstream in(shortlist_file("tiny-marian"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') counted += line + "\t7\n";
  }
  TempFile file(counted);
  EXPECT_EQ(read_nmt_shortlist(file.path(), *tok, c.decoder_vocab_size),
            read_nmt_shortlist(shortlist_file("tiny-marian"), *tok, c.decoder_vocab_size));
  // Marian's target pieces come from target.spm.
  EXPECT_FALSE(tok->target_pieces("猫が寝ています。").empty());
}

}  // namespace
}  // namespace stream_tts
