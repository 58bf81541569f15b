// The `nmt` backend against transformers: tiny random-weight NLLB-style and Marian-style models and
// the outputs transformers produced for them (tests/golden/nmt, made by tools/nmt/make_golden.py).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "translate/nmt/nmt_config.h"
#include "translate/nmt/piece_vocab.h"
#include "translate/nmt/nmt_model.h"
#include "translate/nmt/nmt_tokenizer.h"
#include "translate/nmt/nmt_translator.h"
#include "translate/translator.h"

namespace stream_tts {
namespace {

namespace fs = std::filesystem;

const std::string kGolden = std::string(STREAM_TTS_GOLDEN_DIR) + "/nmt";

struct Step {
  int token;
  bool forced;
  double margin;  // top-1 minus top-2 raw logit; +inf for forced steps
};

struct Case {
  std::string text;
  std::vector<int> source_ids, output_ids;
  std::vector<Step> steps;
  std::string output_text;
};

struct Logits {
  int case_index;
  std::vector<int> decoder_input_ids;
  std::vector<std::vector<float>> rows;
};

struct Golden {
  std::string model_dir;
  int max_new_tokens = 0;
  double margin_threshold = 0;
  std::vector<Case> cases;
  std::vector<Logits> logits;
};

std::vector<int> ints(simdjson::dom::array a) {
  std::vector<int> v;
  for (auto x : a) v.push_back(static_cast<int>(int64_t(x)));
  return v;
}

Golden read_golden(const std::string& name) {
  Golden g;
  g.model_dir = kGolden + "/" + name;
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.load(kGolden + "/" + name + ".golden.json");
  g.max_new_tokens = static_cast<int>(int64_t(root["max_new_tokens"]));
  g.margin_threshold = double(root["margin_threshold"]);
  for (auto c : simdjson::dom::array(root["cases"])) {
    Case k;
    k.text = std::string(std::string_view(c["text"]));
    k.source_ids = ints(c["source_ids"]);
    k.output_ids = ints(c["output_ids"]);
    k.output_text = std::string(std::string_view(c["output_text"]));
    for (auto s : simdjson::dom::array(c["steps"])) {
      Step st;
      st.token = static_cast<int>(int64_t(s["token"]));
      st.forced = bool(s["forced"]);
      st.margin = s["margin"].is_null() ? INFINITY : double(s["margin"]);
      k.steps.push_back(st);
    }
    g.cases.push_back(std::move(k));
  }
  for (auto l : simdjson::dom::array(root["logits"])) {
    Logits lg;
    lg.case_index = static_cast<int>(int64_t(l["case"]));
    lg.decoder_input_ids = ints(l["decoder_input_ids"]);
    for (auto row : simdjson::dom::array(l["logits"])) {
      std::vector<float> r;
      for (auto x : simdjson::dom::array(row)) r.push_back(static_cast<float>(double(x)));
      lg.rows.push_back(std::move(r));
    }
    g.logits.push_back(std::move(lg));
  }
  return g;
}

// Tokens must agree up to and including the first step whose margin is below the threshold: after a
// near-tie, either choice is a correct implementation (make_golden.py explains the threshold).
void expect_same_tokens(const std::vector<int>& got, const Case& want, double threshold, const std::string& what) {
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(got[0], want.output_ids[0]) << what;
  for (size_t i = 0; i < want.steps.size(); ++i) {
    ASSERT_LT(i + 1, got.size()) << what << ": stopped after " << i << " tokens";
    EXPECT_EQ(got[i + 1], want.output_ids[i + 1]) << what << ": step " << i;
    if (got[i + 1] != want.output_ids[i + 1]) return;
    if (!want.steps[i].forced && want.steps[i].margin < threshold) return;  // near-tie: stop comparing
  }
  EXPECT_EQ(got.size(), want.output_ids.size()) << what;
}

class NmtGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(NmtGolden, ConfigIsReadFromTheFiles) {
  const NmtConfig c = load_nmt_config(kGolden + "/" + GetParam());
  EXPECT_EQ(c.d_model, 64);
  EXPECT_EQ(c.encoder_layers, 2);
  EXPECT_EQ(c.decoder_heads, 4);
  EXPECT_EQ(c.encoder_ffn_dim, 128);
  EXPECT_TRUE(c.scale_embedding);
  if (GetParam() == "tiny-marian") {
    EXPECT_EQ(c.arch, NmtArch::kMarian);
    EXPECT_FALSE(c.normalize_before);
    EXPECT_EQ(c.decoder_start_token_id, c.pad_token_id);
    ASSERT_TRUE(c.forced_eos_token_id.has_value());
    EXPECT_EQ(c.suppressed_token_ids, std::vector<int>{c.pad_token_id});
    EXPECT_EQ(c.activation, nn::cpu::Activation::kSilu);
  } else {
    EXPECT_EQ(c.arch, NmtArch::kM2M100);
    EXPECT_TRUE(c.normalize_before);
    EXPECT_EQ(c.decoder_start_token_id, 2);
    EXPECT_EQ(c.pad_token_id, 1);
    EXPECT_EQ(c.activation, nn::cpu::Activation::kRelu);
  }
}

TEST_P(NmtGolden, TokenizerIdsAndTextMatchTransformers) {
  const Golden g = read_golden(GetParam());
  const NmtConfig c = load_nmt_config(g.model_dir);
  auto tok = NmtTokenizer::load(g.model_dir, c, "eng_Latn", "jpn_Jpan");
  for (const auto& k : g.cases) {
    EXPECT_EQ(tok->encode_source(k.text), k.source_ids) << k.text;
    EXPECT_EQ(tok->decode(k.output_ids), k.output_text) << k.text;
  }
  if (c.arch == NmtArch::kM2M100) {
    ASSERT_TRUE(tok->forced_bos().has_value());
    EXPECT_EQ(*tok->forced_bos(), tok->token_id("jpn_Jpan"));
    EXPECT_EQ(g.cases[0].output_ids[1], tok->token_id("jpn_Jpan"));
  }
}

TEST_P(NmtGolden, LogitsMatchTransformers) {
  const Golden g = read_golden(GetParam());
  auto model = NmtModel::load(g.model_dir, false);
  NmtRunner runner(model);
  ASSERT_FALSE(g.logits.empty());
  for (const auto& lg : g.logits) {
    ASSERT_TRUE(runner.encode(g.cases[lg.case_index].source_ids, 8));
    for (size_t t = 0; t < lg.decoder_input_ids.size(); ++t) {
      auto logits = runner.step(lg.decoder_input_ids[t]);
      ASSERT_TRUE(logits) << logits.status().to_string();
      double max_err = 0;
      for (size_t i = 0; i < lg.rows[t].size(); ++i) {
        max_err = std::max(max_err, std::fabs(double(logits.value()[i]) - lg.rows[t][i]));
      }
      // The golden file keeps 6 decimals; fp32 summation order differs from torch's.
      EXPECT_LT(max_err, 2e-4) << "case " << lg.case_index << " step " << t;
    }
  }
}

TEST_P(NmtGolden, GreedyIdsMatchTransformers) {
  const Golden g = read_golden(GetParam());
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.model = g.model_dir;
  tc.source_lang = "eng_Latn";
  tc.target_lang = "jpn_Jpan";
  tc.max_tokens = g.max_new_tokens;
  tc.threads = 1;
  NmtTranslator translator(tc);
  EXPECT_EQ(translator.target_lang(), "ja");
  int exact_text = 0;
  for (const auto& k : g.cases) {
    auto r = translator.translate(k.text);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(translator.last_source_ids(), k.source_ids);
    expect_same_tokens(translator.last_output_ids(), k, g.margin_threshold, k.text);
    exact_text += r.value() == k.output_text;
  }
  // Every case with clear margins throughout must give the same text; the golden set has one near-tie.
  EXPECT_GE(exact_text, static_cast<int>(g.cases.size()) - 1);
}

TEST_P(NmtGolden, Int8StaysCloseToFp32) {
  const Golden g = read_golden(GetParam());
  auto fp32 = NmtModel::load(g.model_dir, false);
  auto int8 = NmtModel::load(g.model_dir, true);
  ASSERT_TRUE(int8->weights->int8);
  NmtRunner a(fp32), b(int8);
  int agree = 0, total = 0;
  for (const auto& k : g.cases) {
    ASSERT_TRUE(a.encode(k.source_ids, 4));
    ASSERT_TRUE(b.encode(k.source_ids, 4));
    auto la = a.step(k.output_ids[0]);
    ASSERT_TRUE(la);
    std::vector<float> ref(la.value(), la.value() + fp32->config.decoder_vocab_size);
    auto lb = b.step(k.output_ids[0]);
    ASSERT_TRUE(lb);
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      dot += ref[i] * lb.value()[i];
      na += ref[i] * ref[i];
      nb += lb.value()[i] * lb.value()[i];
    }
    EXPECT_GT(dot / std::sqrt(na * nb), 0.995) << k.text;
    const auto top = [](const float* p, size_t n) { return std::max_element(p, p + n) - p; };
    agree += top(ref.data(), ref.size()) == top(lb.value(), ref.size());
    ++total;
  }
  EXPECT_GE(agree, total * 3 / 4);
}

TEST_P(NmtGolden, BeamSearchIdsMatchTransformers) {
  // <model>.beams.json: generate(num_beams=N, do_sample=False) for N = 2 and 4 (make_golden.py).
  const std::string name = GetParam();
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.load(kGolden + "/" + name + ".beams.json");
  const int max_new_tokens = static_cast<int>(int64_t(root["max_new_tokens"]));
  for (auto [beams_key, cases] : simdjson::dom::object(root["beams"])) {
    const int beams = std::stoi(std::string(beams_key));
    TranslatorConfig tc;
    tc.backend = "nmt";
    tc.model = kGolden + "/" + name;
    tc.source_lang = "eng_Latn";
    tc.target_lang = "jpn_Jpan";
    tc.max_tokens = max_new_tokens;
    tc.threads = 1 + beams % 3;  // 1 and 2 threads
    tc.beams = beams;
    NmtTranslator translator(tc);
    int cases_seen = 0, differs_from_greedy = 0;
    for (auto k : simdjson::dom::array(cases)) {
      const std::string text{std::string_view(k["text"])};
      auto r = translator.translate(text);
      ASSERT_TRUE(r) << r.status().to_string();
      EXPECT_EQ(translator.last_source_ids(), ints(k["source_ids"]));
      EXPECT_EQ(translator.last_output_ids(), ints(k["output_ids"])) << beams << " beams: " << text;
      EXPECT_EQ(r.value(), std::string(std::string_view(k["output_text"]))) << beams << " beams: " << text;
      ++cases_seen;
    }
    EXPECT_EQ(cases_seen, 24);
    // The set must exercise beam search: some outputs differ from greedy decoding.
    const Golden g = read_golden(name);
    auto it = simdjson::dom::array(cases).begin();
    for (const auto& k : g.cases) {
      differs_from_greedy += ints((*it)["output_ids"]) != k.output_ids;
      ++it;
    }
    EXPECT_GT(differs_from_greedy, 0) << beams << " beams";
  }
}

INSTANTIATE_TEST_SUITE_P(Models, NmtGolden, ::testing::Values("tiny-nllb", "tiny-marian"));

TEST(NmtConfig, ReportsProblemsNamingTheFile) {
  try {
    parse_nmt_config(R"({"model_type":"t5"})", "", "/m");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/m/config.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("t5"), std::string::npos);
  }
  try {
    parse_nmt_config(R"({"model_type":"m2m_100","d_model":64})", "", "/m");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder_layers"), std::string::npos);
  }
  EXPECT_THROW(parse_nmt_config("{", "", "/m"), Error);
  try {
    load_nmt_config("/nonexistent-model-dir");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  }
}

TEST(NmtConfig, GenerationConfigOverridesConfig) {
  const std::string config = R"({"model_type":"marian","d_model":8,"encoder_layers":1,"decoder_layers":1,
    "encoder_attention_heads":2,"decoder_attention_heads":2,"encoder_ffn_dim":16,"decoder_ffn_dim":16,
    "vocab_size":10,"max_position_embeddings":32,"pad_token_id":9,"eos_token_id":0,"decoder_start_token_id":9})";
  const NmtConfig c = parse_nmt_config(config, R"({"max_length":77,"forced_eos_token_id":0,"bad_words_ids":[[9]]})", "/m");
  EXPECT_EQ(c.max_length, 77);
  EXPECT_EQ(c.forced_eos_token_id, 0);
  EXPECT_EQ(c.suppressed_token_ids, std::vector<int>{9});
  EXPECT_EQ(c.decoder_vocab_size, 10);
  // Beam-search settings: transformers' defaults unless the file sets them.
  EXPECT_EQ(c.length_penalty, 1.0);
  EXPECT_EQ(c.early_stopping, NmtEarlyStopping::kFalse);
  const NmtConfig b = parse_nmt_config(config, R"({"length_penalty":0.6,"early_stopping":"never"})", "/m");
  EXPECT_EQ(b.length_penalty, 0.6);
  EXPECT_EQ(b.early_stopping, NmtEarlyStopping::kNever);
  EXPECT_EQ(parse_nmt_config(config, R"({"early_stopping":true})", "/m").early_stopping, NmtEarlyStopping::kTrue);
  EXPECT_THROW(parse_nmt_config(config, R"({"early_stopping":"soon"})", "/m"), Error);
}

TEST(NmtConfig, GenerationIdsOutsideTheVocabularyNameTheFile) {
  const std::string config = R"({"model_type":"marian","d_model":8,"encoder_layers":1,"decoder_layers":1,
    "encoder_attention_heads":2,"decoder_attention_heads":2,"encoder_ffn_dim":16,"decoder_ffn_dim":16,
    "vocab_size":10,"max_position_embeddings":32,"pad_token_id":9,"eos_token_id":0,"decoder_start_token_id":9})";
  // Each of these would otherwise fail every sentence at run time (or index past the logits).
  for (const char* generation : {R"({"eos_token_id":10})", R"({"decoder_start_token_id":900000})",
                                 R"({"forced_bos_token_id":12})", R"({"forced_eos_token_id":10})",
                                 R"({"bad_words_ids":[[4294967305]]})", R"({"eos_token_id":[10, 2]})",
                                 R"({"max_length":0})"}) {
    try {
      parse_nmt_config(config, generation, "/m");
      ADD_FAILURE() << generation;
    } catch (const Error& e) {
      EXPECT_EQ(e.status().code(), StatusCode::kDataError) << generation;
      EXPECT_NE(std::string(e.what()).find("/m/generation_config.json"), std::string::npos) << e.what();
    }
  }
}

TEST(NmtVocab, HugeTokenIdsAreRefusedNotAllocated) {
  using namespace stream_tts::nmt_detail;
  // An id of 2^31 - 1 would make the by-id table 64 GB; it is a corrupt file, reported as such.
  for (const std::string doc : {std::string(R"({"a": 0, "b": 2147483647})")}) {
    try {
      parse_vocab_json(doc, "vocab.json");
      ADD_FAILURE();
    } catch (const Error& e) {
      EXPECT_EQ(e.status().code(), StatusCode::kDataError);
      EXPECT_NE(std::string(e.what()).find("vocab.json"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_tokenizer_json(R"({"model":{"vocab":{"a":0}},"added_tokens":[{"id":99999999999,"content":"x"}]})",
                                    "tokenizer.json"),
               Error);
  PieceVocab v;
  bool clean = true;
  EXPECT_THROW(parse_tokenizer_config(R"({"added_tokens_decoder":{"1048576":{"content":"x"}}})", "tc.json", &v, &clean),
               Error);
  EXPECT_THROW(parse_tokenizer_config(R"({"added_tokens_decoder":{"12x":{"content":"x"}}})", "tc.json", &v, &clean),
               Error);
  // A large but plausible id still reads, and ids index the table.
  const PieceVocab ok = parse_vocab_json(R"({"a": 0, "b": 70000})", "vocab.json");
  EXPECT_EQ(ok.find("b"), 70000);
  EXPECT_EQ(ok.pieces.size(), 70001u);
}

class NmtBadModel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("st_nmt_bad_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::copy(kGolden + "/tiny-nllb", dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string load_error() {
    TranslatorConfig tc;
    tc.backend = "nmt";
    tc.model = dir_.string();
    try {
      auto t = make_translator(tc);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(NmtBadModel, TruncatedWeightsNameTheFile) {
  const auto path = dir_ / "model.safetensors";
  fs::resize_file(path, fs::file_size(path) / 2);
  const std::string e = load_error();
  EXPECT_NE(e.find("model.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

TEST_F(NmtBadModel, MissingFilesAreNamed) {
  fs::remove(dir_ / "sentencepiece.bpe.model");
  std::string e = load_error();
  EXPECT_NE(e.find("sentencepiece.bpe.model"), std::string::npos) << e;
  fs::remove(dir_ / "model.safetensors");
  e = load_error();
  EXPECT_NE(e.find("model.safetensors"), std::string::npos) << e;
  fs::remove(dir_ / "config.json");
  e = load_error();
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;
}

TEST_F(NmtBadModel, CorruptTokenizerAndShapeMismatchAreErrors) {
  { std::ofstream(dir_ / "tokenizer.json") << "{\"model\": 3"; }
  std::string e = load_error();
  EXPECT_NE(e.find("tokenizer.json"), std::string::npos) << e;
  fs::copy_file(kGolden + "/tiny-nllb/tokenizer.json", dir_ / "tokenizer.json", fs::copy_options::overwrite_existing);
  std::string config;
  {
    std::ifstream in(dir_ / "config.json");
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  config.replace(config.find("\"d_model\": 64"), 13, "\"d_model\": 32");
  { std::ofstream(dir_ / "config.json") << config; }
  e = load_error();
  EXPECT_NE(e.find("shape"), std::string::npos) << e;
}

TEST(NmtTranslator, BeamsAreCheckedAndCpuOnly) {
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.model = kGolden + "/tiny-nllb";
  tc.beams = 0;
  EXPECT_NE(validate_nmt_config(tc).find("--beams"), std::string::npos);
  tc.beams = 4;
  EXPECT_EQ(validate_nmt_config(tc), "");
  tc.device = "cuda";
  EXPECT_NE(validate_nmt_config(tc).find("--beams > 1"), std::string::npos);
}

TEST(NmtTranslator, CudaWithoutACudaBuildIsAnError) {
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.model = kGolden + "/tiny-nllb";
  tc.device = "cuda";
  try {
    make_translator(tc);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos);
  }
}

TEST(NmtTranslator, UnknownLanguageIsAnError) {
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.model = kGolden + "/tiny-nllb";
  tc.target_lang = "xxx_Zzzz";
  EXPECT_THROW(make_translator(tc), Error);
}

TEST(NmtTranslator, MaxTokensBoundsNewTokens) {
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.model = kGolden + "/tiny-nllb";
  tc.max_tokens = 3;
  tc.threads = 1;
  NmtTranslator t(tc);
  ASSERT_TRUE(t.translate("A cat is sleeping over there."));
  EXPECT_LE(t.last_output_ids().size(), 4u);  // decoder start + at most 3 new tokens
  ASSERT_TRUE(t.generate_forced(t.last_source_ids(), 5));
}

TEST(NmtTranslator, IsRegistered) {
  const auto names = translator_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "nmt"), names.end());
}

}  // namespace
}  // namespace stream_tts
