// The llama backend's output shortlist (src/translate/llama/lm_head_shortlist.h): which tokens it
// keeps, its scores against llama.cpp's own logits, and greedy translations with and without it.
// The model tests use qwen2.5-coder-0.5b (CI installs it) and skip with the install command when it
// is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/model_store.h"
#include "translate/llama/llama_model.h"
#include "translate/llama/llama_session.h"
#include "translate/llama/llama_translator.h"
#include "translate/llama/lm_head_shortlist.h"
#include "translate/llama/prompt.h"

namespace stream_tts {
namespace {

using llama::is_japanese_output_piece;

TEST(LlamaShortlistPieces, JapaneseTextDigitsAndPunctuationAreKept) {
  for (const char* p : {"です", "。", "バグ", "見つけ", "、", "１２", "42", " ", "\n", "（", "…", "・",
                        "「", "`", ".", "_", "５分"}) {
    EXPECT_TRUE(is_japanese_output_piece(p)) << p;
  }
}

TEST(LlamaShortlistPieces, LettersAndOtherScriptsAreNot) {
  for (const char* p : {"the", " the", "A", "parse", "é", "Привет", "한국", "x1", ""}) {
    EXPECT_FALSE(is_japanese_output_piece(p)) << p;
  }
}

TEST(LlamaShortlistPieces, APieceOfAMultiByteCharacterIsKept) {
  // U+898B (見) is E8 A6 8B; byte-level vocabularies may hold its first two bytes as one token.
  EXPECT_TRUE(is_japanese_output_piece("\xE8\xA6"));
  EXPECT_TRUE(is_japanese_output_piece("\x8B"));
}

std::filesystem::path qwen_path(std::string* why) {
  try {
    const char* env = std::getenv("STREAM_TTS_TEST_QWEN");
    return env && *env ? std::filesystem::path(env) : models::resolve_model("qwen2.5-coder-0.5b");
  } catch (const Error& e) {
    *why = std::string("qwen2.5-coder-0.5b is not installed (") + e.what() +
           "); run `stream-tts models install qwen2.5-coder-0.5b`";
    return {};
  }
}

class LlamaShortlistModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = qwen_path(&why_);
    if (path_.empty()) return;
    // No repacking: llama.cpp then runs the same dot kernels on the same rows as the shortlist.
    model_ = llama::LlamaModel::load(path_, 0, false);
    std::string why;
    shortlist_ = llama::LmHeadShortlist::create(path_.string(), model_->get(), &why);
    if (!shortlist_) why_ = "no shortlist: " + why;
  }
  static void TearDownTestSuite() {
    shortlist_.reset();
    model_.reset();
  }
  void SetUp() override {
    if (!shortlist_) GTEST_SKIP() << why_;
  }
  // A session that uses the shortlist, with the translation prompt's prefix evaluated (which keeps
  // the prefix's last hidden state and computes llama.cpp's logits for it as well).
  static std::unique_ptr<llama::LlamaSession> session_with_prefix() {
    llama::SessionOptions so;
    so.threads = 1;
    so.n_ctx = 512;
    so.shortlist = shortlist_.get();
    auto session = std::make_unique<llama::LlamaSession>(model_, so);
    llama::PromptBuilder prompt(model_->chat_template());
    EXPECT_TRUE(session->set_prefix(prompt.prefix()));
    return session;
  }
  static std::filesystem::path path_;
  static std::shared_ptr<const llama::LlamaModel> model_;
  static std::unique_ptr<llama::LmHeadShortlist> shortlist_;
  static std::string why_;
};
std::filesystem::path LlamaShortlistModel::path_;
std::shared_ptr<const llama::LlamaModel> LlamaShortlistModel::model_;
std::unique_ptr<llama::LmHeadShortlist> LlamaShortlistModel::shortlist_;
std::string LlamaShortlistModel::why_;

TEST_F(LlamaShortlistModel, ListsAQuarterOfQwensVocabularyWithEveryTokenOfJapaneseText) {
  const auto& base = shortlist_->base();
  EXPECT_EQ(shortlist_->n_vocab(), 151936);
  // Measured: 36,191 (kana, kanji, punctuation, digits, pieces of characters, end-of-turn tokens).
  EXPECT_GT(base.size(), 30000u);
  EXPECT_LT(base.size(), 45000u);
  EXPECT_TRUE(std::is_sorted(base.begin(), base.end()));
  llama::SessionOptions so;
  so.threads = 1;
  so.n_ctx = 256;
  llama::LlamaSession session(model_, so);
  for (llama_token t : session.tokenize("バグを見つけました。ファイルが空のとき、1.5秒（約）かかります！", false))
    EXPECT_TRUE(shortlist_->in_base(t)) << t;
  for (llama_token t : session.tokenize("<|im_end|>", false)) EXPECT_TRUE(shortlist_->in_base(t));
  for (llama_token t : session.tokenize(" the function", false)) EXPECT_FALSE(shortlist_->in_base(t));
}

TEST_F(LlamaShortlistModel, TheSentencesOwnWordsAreAddedAloneAndAfterASpace) {
  llama::SessionOptions so;
  so.threads = 1;
  so.n_ctx = 256;
  llama::LlamaSession session(model_, so);
  const std::string sentence = "Next, I will update the `parse_config` function in README.md.";
  auto extra = shortlist_->source_tokens(sentence);
  EXPECT_TRUE(std::is_sorted(extra.begin(), extra.end()));
  auto has = [&](llama_token t) { return std::binary_search(extra.begin(), extra.end(), t); };
  for (const char* piece : {"parse_config", " parse_config", "`parse_config`", "README.md",
                            " README", " function", "function"}) {
    for (llama_token t : session.tokenize(piece, false)) {
      EXPECT_TRUE(has(t) || shortlist_->in_base(t)) << piece << " token " << t;
    }
  }
  for (llama_token t : extra) EXPECT_FALSE(shortlist_->in_base(t));
  // Words that are not in the sentence stay out.
  for (llama_token t : session.tokenize(" database", false)) EXPECT_FALSE(has(t));
}

TEST_F(LlamaShortlistModel, ScoresEqualLlamaCppsLogits) {
  auto session = session_with_prefix();
  ASSERT_NE(session->shortlist(), nullptr) << "the session's own check turned the shortlist off";
  const std::vector<float>& hidden = session->prefix_hidden();
  ASSERT_EQ(static_cast<int>(hidden.size()), shortlist_->n_embd());
  const float* logits = session->last_logits();
  ASSERT_NE(logits, nullptr);
  std::vector<uint8_t> scratch;
  const auto& base = shortlist_->base();
  std::vector<float> ours = shortlist_->scores(hidden.data(), base, scratch);
  float worst = 0, range = 0;
  for (size_t k = 0; k < base.size(); ++k) {
    worst = std::max(worst, std::abs(ours[k] - logits[base[k]]));
    range = std::max(range, std::abs(logits[base[k]]));
  }
  EXPECT_GT(range, 1.0f);
  // The same kernel on the same quantised row and input: equal up to summation order.
  EXPECT_LT(worst, 1e-3f * range) << "largest difference " << worst << " of logits up to " << range;
}

// argmax() is the best of scores() over the base list and the extra tokens, whatever the number of
// threads that scan it.
TEST_F(LlamaShortlistModel, ArgmaxIsTheBestScoreOnAnyThreadCount) {
  auto session = session_with_prefix();
  std::vector<float> hidden = session->prefix_hidden();
  ASSERT_FALSE(hidden.empty());
  const std::vector<int32_t> extra = shortlist_->source_tokens("Run `make check` on the server.");
  ASSERT_FALSE(extra.empty());
  std::vector<int32_t> all = shortlist_->base();
  all.insert(all.end(), extra.begin(), extra.end());
  std::vector<uint8_t> scratch;
  for (int variant = 0; variant < 3; ++variant) {
    // The prefix's state, then two arbitrary ones.
    if (variant > 0) {
      for (size_t i = 0; i < hidden.size(); ++i)
        hidden[i] = 4.0f * std::sin(0.37f * static_cast<float>(i * static_cast<size_t>(variant + 1)));
    }
    std::vector<float> s = shortlist_->scores(hidden.data(), all, scratch);
    size_t best = 0;
    for (size_t k = 1; k < all.size(); ++k)
      if (s[k] > s[best] || (s[k] == s[best] && all[k] < all[best])) best = k;
    for (int threads : {1, 2, 3}) {
      EXPECT_EQ(shortlist_->argmax(hidden.data(), extra, scratch, threads), all[best])
          << "variant " << variant << ", " << threads << " threads";
    }
  }
}

// The whole backend, as the CLI runs it: greedy translations with the shortlist (the default) and
// with --full-vocab are the same text for ordinary coding-assistant sentences.
TEST_F(LlamaShortlistModel, TranslationsEqualTheFullVocabularys) {
  const std::vector<std::string> sentences = {
      "The tests passed, so I will commit the changes now.",
      "Next, I will update the `parse_config` function to handle empty files.",
      "The memory usage dropped from 2 GB to 512 MB.",
      "Let me check the logs to see why the server crashed.",
  };
  std::vector<std::string> out[2];
  for (int full = 0; full < 2; ++full) {
    TranslatorConfig c;
    c.backend = "llama";
    c.model = path_.string();
    c.threads = 1;
    c.full_vocab = full == 1;
    LlamaTranslator t(c);
    for (const auto& s : sentences) {
      auto r = t.translate(s);
      out[full].push_back(r ? *r : "error: " + r.status().to_string());
    }
  }
  for (size_t i = 0; i < sentences.size(); ++i) EXPECT_EQ(out[0][i], out[1][i]) << sentences[i];
}

}  // namespace
}  // namespace stream_tts
