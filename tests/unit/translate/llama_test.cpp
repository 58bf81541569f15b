// The `llama` translator: prompt building, protected spans, post-processing and fallbacks as pure
// functions; then the backend on real GGUF files where they are installed:
//   gemma-3-270m        loader, built-in chat template, prefix-cache reuse, determinism,
//   cancellation qwen2.5-coder-0.5b  real translations (Japanese script, identifiers kept)
// Install them with `stream-tts models install NAME`; STREAM_TTS_TEST_GEMMA / STREAM_TTS_TEST_QWEN
// may name a .gguf path instead.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "core/utf8.h"
#include "models/model_store.h"
#include "translate/llama/chat_template.h"
#include "translate/llama/llama_model.h"
#include "translate/llama/llama_session.h"
#include "translate/llama/llama_translator.h"
#include "translate/llama/postprocess.h"
#include "translate/llama/prompt.h"
#include "translate/llama/protected_spans.h"
#include "translate/llama/speculative.h"
#include "translate/translator.h"

namespace stream_tts {
namespace {

using llama::ChatMessage;
using llama::PromptBuilder;
using llama::PromptOptions;
using llama::ProtectedSpan;
using llama::TranslationPair;

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// ---- chat templates
// ------------------------------------------------------------------------------

TEST(LlamaChatTemplate, BuiltinByArchitecture) {
  EXPECT_EQ(llama::builtin_template_for_arch("gemma3"), "gemma");
  EXPECT_EQ(llama::builtin_template_for_arch("gemma2"), "gemma");
  EXPECT_EQ(llama::builtin_template_for_arch("qwen2"), "chatml");
  EXPECT_EQ(llama::builtin_template_for_arch("lfm2"), "chatml");
  EXPECT_EQ(llama::builtin_template_for_arch("llama"), "llama3");
  EXPECT_EQ(llama::builtin_template_for_arch("something-new"), "chatml");
}

TEST(LlamaChatTemplate, SupportedTemplatesAreRecognised) {
  EXPECT_TRUE(llama::is_supported_template("chatml"));
  EXPECT_TRUE(llama::is_supported_template("gemma"));
  // Jinja source is matched by its markers (what a GGUF's tokenizer.chat_template holds).
  EXPECT_TRUE(
      llama::is_supported_template("{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}"));
  EXPECT_FALSE(llama::is_supported_template("no markers here"));
}

TEST(LlamaChatTemplate, ModelWithoutTemplateGetsTheArchitecturesBuiltin) {
  std::string origin;
  EXPECT_EQ(llama::choose_template(nullptr, "gemma3", &origin), "gemma");
  EXPECT_TRUE(contains(origin, "builtin:gemma")) << origin;
  EXPECT_TRUE(contains(origin, "has none")) << origin;
  EXPECT_EQ(llama::choose_template("", "qwen2", &origin), "chatml");
  // An unrecognisable template falls back too, and says so.
  EXPECT_EQ(llama::choose_template("weird", "gemma3", &origin), "gemma");
  EXPECT_TRUE(contains(origin, "not supported")) << origin;
  const char* own = "{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}";
  EXPECT_EQ(llama::choose_template(own, "qwen2", &origin), own);
  EXPECT_EQ(origin, "model");
}

TEST(LlamaChatTemplate, RendersChatMl) {
  std::vector<ChatMessage> msgs = {{"system", "S"}, {"user", "U"}};
  auto r = llama::apply_chat_template("chatml", msgs, true);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(
      *r,
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_FALSE(llama::apply_chat_template("no markers here", msgs, true));
}

TEST(LlamaChatTemplate, LongMessagesRenderWhole) {
  std::string long_text(5000, 'x');
  std::vector<ChatMessage> msgs = {{"user", long_text}};
  auto r = llama::apply_chat_template("chatml", msgs, false);
  ASSERT_TRUE(r);
  EXPECT_TRUE(contains(*r, long_text));
}

// ---- prompt
// --------------------------------------------------------------------------------------

TEST(LlamaPrompt, ChatMlPrefixHoldsInstructionAndExamples) {
  PromptBuilder p("chatml");
  const std::string& prefix = p.prefix();
  EXPECT_EQ(prefix.rfind("<|im_start|>system\n", 0), 0u) << prefix;
  EXPECT_TRUE(contains(prefix, "Japanese translation only"));
  for (const auto& ex : PromptOptions::default_examples()) {
    EXPECT_TRUE(contains(prefix, "<|im_start|>user\n" + ex.source + "<|im_end|>"));
    EXPECT_TRUE(contains(prefix, "<|im_start|>assistant\n" + ex.target + "<|im_end|>"));
  }
  // The prefix ends with the opening of the next user turn: the sentence's text follows.
  EXPECT_TRUE(prefix.ends_with("<|im_end|>\n<|im_start|>user\n")) << prefix;
}

TEST(LlamaPrompt, SuffixIsTheSentencesTurnAndTheAssistantsOpening) {
  PromptBuilder p("chatml");
  auto s = p.suffix({}, "The build passed.");
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(*s, "The build passed.<|im_end|>\n<|im_start|>assistant\n");
}

TEST(LlamaPrompt, ContextTurnsComeBetweenPrefixAndSentence) {
  PromptBuilder p("chatml");
  std::vector<TranslationPair> ctx = {{"First.", "最初。"}, {"Second.", "二番目。"}};
  auto s = p.suffix(ctx, "Third.");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s,
            "First.<|im_end|>\n<|im_start|>assistant\n最初。<|im_end|>\n"
            "<|im_start|>user\nSecond.<|im_end|>\n<|im_start|>assistant\n二番目。<|im_end|>\n"
            "<|im_start|>user\nThird.<|im_end|>\n<|im_start|>assistant\n");
}

TEST(LlamaPrompt, GemmaMergesTheInstructionIntoTheFirstUserTurn) {
  PromptBuilder p("gemma");
  const std::string& prefix = p.prefix();
  ASSERT_FALSE(prefix.empty());
  EXPECT_EQ(
      prefix.rfind("<start_of_turn>user\n" + PromptOptions::default_system_prompt() + "\n\n", 0),
      0u)
      << prefix;
  EXPECT_TRUE(contains(prefix, "<start_of_turn>model\n"));
  EXPECT_FALSE(contains(prefix, "system"));
  auto s = p.suffix({}, "Hello.");
  ASSERT_TRUE(s);
  EXPECT_TRUE(prefix.ends_with("<end_of_turn>\n<start_of_turn>user\n")) << prefix;
  EXPECT_EQ(*s, "Hello.<end_of_turn>\n<start_of_turn>model\n");
}

TEST(LlamaPrompt, PrefixPlusSuffixIsTheWholeConversation) {
  for (const char* tmpl : {"chatml", "gemma", "llama3", "phi3"}) {
    PromptBuilder p(tmpl);
    std::vector<ChatMessage> msgs = {{"system", PromptOptions::default_system_prompt()}};
    for (const auto& ex : PromptOptions::default_examples()) {
      msgs.push_back({"user", ex.source});
      msgs.push_back({"assistant", ex.target});
    }
    msgs.push_back({"user", "Run `make`."});
    auto whole = llama::apply_chat_template(tmpl, msgs, true);
    auto s = p.suffix({}, "Run `make`.");
    ASSERT_TRUE(whole && s) << tmpl;
    EXPECT_FALSE(p.prefix().empty()) << tmpl;
    EXPECT_EQ(p.prefix() + *s, *whole) << tmpl;
  }
}

TEST(LlamaPrompt, CustomOptionsAndBadTemplate) {
  PromptOptions o;
  o.system = "Translate.";
  o.examples = {{"Yes.", "はい。"}};
  PromptBuilder p("chatml", o);
  EXPECT_EQ(p.prefix(),
            "<|im_start|>system\nTranslate.<|im_end|>\n<|im_start|>user\nYes.<|im_end|>\n"
            "<|im_start|>assistant\nはい。<|im_end|>\n<|im_start|>user\n");
  EXPECT_THROW(PromptBuilder("no markers here"), Error);
}

TEST(LlamaPrompt, OutputTokenBound) {
  EXPECT_EQ(llama::output_token_bound(10, 256), 46);
  EXPECT_EQ(llama::output_token_bound(0, 256), 16);
  EXPECT_EQ(llama::output_token_bound(100, 256), 256);
  EXPECT_EQ(llama::output_token_bound(10, 20), 20);
  EXPECT_EQ(llama::output_token_bound(10, 0), 1);
}

// ---- protected spans
// -----------------------------------------------------------------------------

std::vector<std::string> span_texts(std::string_view s) {
  std::vector<std::string> out;
  for (const auto& sp : llama::find_protected_spans(s)) out.push_back(sp.text);
  return out;
}

using Texts = std::vector<std::string>;

TEST(LlamaProtectedSpans, BacktickedCode) {
  auto spans = llama::find_protected_spans("Call `parse_config` first.");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].text, "parse_config");
  EXPECT_TRUE(spans[0].backticked);
  EXPECT_EQ(spans[0].begin, 5u);
  EXPECT_EQ(spans[0].end, 19u);
  EXPECT_EQ(span_texts("Use `` a`b `` here."), Texts{"a`b"});
  EXPECT_EQ(span_texts("Run `npm test` and `make all`."), (Texts{"npm test", "make all"}));
  EXPECT_EQ(span_texts("An unmatched ` tick is text."), Texts{});
  EXPECT_EQ(span_texts("Empty `` spans."), Texts{});
}

TEST(LlamaProtectedSpans, CodeShapedWordsWithoutBackticks) {
  EXPECT_EQ(span_texts("Edit src/main.cpp and README.md."), (Texts{"src/main.cpp", "README.md"}));
  EXPECT_EQ(span_texts("See https://example.com/a?b=1."), Texts{"https://example.com/a?b=1"});
  EXPECT_EQ(span_texts("Then parse_config calls loadFile()."),
            (Texts{"parse_config", "loadFile()"}));
  EXPECT_EQ(span_texts("Pass --verbose and read $HOME, std::vector too."),
            (Texts{"--verbose", "$HOME", "std::vector"}));
  EXPECT_EQ(span_texts("Push it to GitHub (main branch)."), Texts{"GitHub"});
  EXPECT_EQ(span_texts("(see ./build.sh)"), Texts{"./build.sh"});
  EXPECT_EQ(span_texts("Use os.path.join, e.g. for Node.js."), (Texts{"os.path.join", "Node.js"}));
}

TEST(LlamaProtectedSpans, ProseIsNotProtected) {
  EXPECT_EQ(span_texts("Hello world, this is fine."), Texts{});
  EXPECT_EQ(span_texts("Use read and/or write, e.g. twice, i.e. once."), Texts{});
  EXPECT_EQ(span_texts("A well-known 3.5 GB file in the U.S. office."), Texts{});
}

TEST(LlamaProtectedSpans, RestoreKeepsExactCopies) {
  auto spans = llama::find_protected_spans("Call `parse_config` first.");
  auto r = llama::restore_protected_spans("まず `parse_config` を呼び出します。", spans);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "まず `parse_config` を呼び出します。");
  // Backticks the model dropped are fine: the identifier is what is spoken.
  r = llama::restore_protected_spans("まず parse_config を呼び出します。", spans);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "まず parse_config を呼び出します。");
}

TEST(LlamaProtectedSpans, RestoreRepairsNearMisses) {
  auto spans = llama::find_protected_spans("Call `parse_config` first.");
  auto r = llama::restore_protected_spans("まず Parse_Config を呼び出します。", spans);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "まず parse_config を呼び出します。");
  r = llama::restore_protected_spans("まずparse configを呼び出します。", spans);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "まずparse_configを呼び出します。");
  // Full-width letters are folded by the cleaner first.
  r = llama::restore_protected_spans(
      llama::clean_model_output("まず ｐａｒｓｅ＿ｃｏｎｆｉｇ を", ""), spans);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "まず parse_config を");
}

TEST(LlamaProtectedSpans, RestoreReportsALostSpan) {
  auto spans = llama::find_protected_spans("Call `parse_config` before loadFile().");
  auto r = llama::restore_protected_spans("設定を解析してからファイルを読み込みます。", spans);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::kDataError);
  EXPECT_TRUE(contains(r.status().message(), "parse_config")) << r.status().message();
  // An exact copy inside a longer word is accepted; a near miss must end at a word boundary.
  spans = llama::find_protected_spans("Call `parse_config`.");
  EXPECT_TRUE(llama::restore_protected_spans("parse_configurationを呼ぶ", spans));
  EXPECT_FALSE(llama::restore_protected_spans("Parse_Configuration を呼ぶ", spans));
}

TEST(LlamaProtectedSpans, ProseWordsOutsideSpans) {
  auto s = std::string("Run `make all` now.");
  EXPECT_EQ(llama::count_prose_words(s, llama::find_protected_spans(s)), 2);  // Run, now
  s = "OK.";
  EXPECT_EQ(llama::count_prose_words(s, llama::find_protected_spans(s)), 1);
  s = "`npm test`";
  EXPECT_EQ(llama::count_prose_words(s, llama::find_protected_spans(s)), 0);
  s = "I edited src/main.cpp today.";
  EXPECT_EQ(llama::count_prose_words(s, llama::find_protected_spans(s)),
            2);  // edited, today ("I" is short)
}

// ---- post-processing and fallbacks
// ---------------------------------------------------------------

TEST(LlamaPostprocess, FirstLineWithoutNotes) {
  EXPECT_EQ(llama::clean_model_output("  ビルドが通りました。\n\nNote: literal translation.",
                                      "The build passed."),
            "ビルドが通りました。");
  EXPECT_EQ(llama::clean_model_output("\n\n  ビルドが通りました。  ", ""), "ビルドが通りました。");
  EXPECT_EQ(llama::clean_model_output("\u3000ビルドが通りました。\u3000", ""),
            "ビルドが通りました。");
}

TEST(LlamaPostprocess, LabelsGo) {
  EXPECT_EQ(llama::clean_model_output("Japanese: ビルドが通りました。", ""),
            "ビルドが通りました。");
  EXPECT_EQ(llama::clean_model_output("Japanese translation: はい。", ""), "はい。");
  EXPECT_EQ(llama::clean_model_output("翻訳：はい。", ""), "はい。");
  EXPECT_EQ(llama::clean_model_output("日本語訳: はい。", ""), "はい。");
  EXPECT_EQ(llama::clean_model_output("Japanese:\nはい。", ""), "はい。");
  // A sentence that merely starts with a label word keeps it.
  EXPECT_EQ(llama::clean_model_output("日本語は難しいです。", ""), "日本語は難しいです。");
}

TEST(LlamaPostprocess, WrappingQuotesGoUnlessTheSourceWasQuoted) {
  EXPECT_EQ(llama::clean_model_output("「ビルドが通りました。」", "The build passed."),
            "ビルドが通りました。");
  EXPECT_EQ(llama::clean_model_output("\"ビルドが通りました。\"", "The build passed."),
            "ビルドが通りました。");
  EXPECT_EQ(llama::clean_model_output("「はい」", "\"Yes\""), "「はい」");
  // Two quoted parts are not a wrapper.
  EXPECT_EQ(llama::clean_model_output("「a」と「b」", "a and b"), "「a」と「b」");
}

TEST(LlamaPostprocess, TrailingRomanisationGoes) {
  EXPECT_EQ(llama::clean_model_output("こんにちは。 (Konnichiwa.)", "Hello."), "こんにちは。");
  EXPECT_EQ(llama::clean_model_output("関数 (function) です", "It is a function (really)."),
            "関数 (function) です");
  EXPECT_EQ(llama::clean_model_output("make (build)", "Run make."),
            "make (build)");  // not Japanese before
}

TEST(LlamaPostprocess, CompleteLineDetection) {
  EXPECT_FALSE(llama::has_complete_line("ビルドが"));
  EXPECT_TRUE(llama::has_complete_line("ビルドが通りました。\n"));
  EXPECT_TRUE(llama::has_complete_line("ビルドが通りました。\nNote"));
  EXPECT_FALSE(llama::has_complete_line("Japanese:\n"));
  EXPECT_FALSE(llama::has_complete_line("\n\n"));
}

TEST(LlamaPostprocess, ExpectedSentenceEndsOnlyWhenClear) {
  using llama::expected_sentence_ends;
  EXPECT_EQ(expected_sentence_ends("The tests passed."), 1);
  EXPECT_EQ(expected_sentence_ends("The tests passed. Now I will commit!"), 2);
  EXPECT_EQ(expected_sentence_ends("Really?! Wait..."), 2);
  EXPECT_EQ(expected_sentence_ends("Version 1.5 of config.json works"), 0);
  EXPECT_EQ(expected_sentence_ends("It took 2.5 s."), 1);
  // What a translation may turn into a sentence of its own: do not guess.
  EXPECT_EQ(expected_sentence_ends("I found the bug: it returns None."), 0);
  EXPECT_EQ(expected_sentence_ends("It works; the tests pass."), 0);
  EXPECT_EQ(expected_sentence_ends("He said \"stop.\""), 0);
  EXPECT_EQ(expected_sentence_ends("It works (mostly)."), 0);
  EXPECT_EQ(expected_sentence_ends("It works \u2014 mostly."), 0);
}

TEST(LlamaPostprocess, CountSentenceEnds) {
  EXPECT_EQ(llama::count_sentence_ends("\u30c6\u30b9\u30c8\u3002"), 1);
  EXPECT_EQ(llama::count_sentence_ends("\u306f\u3044\uff01\u672c\u5f53\uff1f\u3002"), 3);
  EXPECT_EQ(llama::count_sentence_ends("no marks. here!"), 0);
}

TEST(LlamaPostprocess, FallbackChecks) {
  EXPECT_TRUE(llama::check_translation("ビルドが通りました。", {false, 3}));
  auto st = llama::check_translation("", {false, 3});
  EXPECT_EQ(st.code(), StatusCode::kDataError);
  EXPECT_TRUE(contains(st.message(), "empty"));
  st = llama::check_translation("ビルドビルドビルド", {true, 3});
  EXPECT_EQ(st.code(), StatusCode::kDataError);
  EXPECT_TRUE(contains(st.message(), "ran away"));
  st = llama::check_translation("The build passed.", {false, 3});
  EXPECT_EQ(st.code(), StatusCode::kDataError);
  EXPECT_TRUE(contains(st.message(), "Japanese"));
  // One English word may stay English ("OK." -> "OK。").
  EXPECT_TRUE(llama::check_translation("OK", {false, 1}));
  EXPECT_TRUE(llama::check_translation("npm test", {false, 0}));
}

// ---- configuration
// -------------------------------------------------------------------------------

TEST(LlamaConfig, ReportsEveryProblemAtOnce) {
  TranslatorConfig c;
  c.backend = "llama";
  c.max_tokens = 0;
  c.threads = -1;
  c.context_sentences = 9;
  c.target_lang = "fr";
  std::string p = validate_llama_config(c);
  EXPECT_TRUE(contains(p, "--model")) << p;
  EXPECT_TRUE(contains(p, "max_tokens")) << p;
  EXPECT_TRUE(contains(p, "threads")) << p;
  EXPECT_TRUE(contains(p, "context_sentences")) << p;
  EXPECT_TRUE(contains(p, "en -> ja")) << p;
  c = {};
  c.backend = "llama";
  c.model = "x.gguf";
  EXPECT_EQ(validate_llama_config(c), "");
}

TEST(LlamaConfig, GpuLayersNeedAGpuBuild) {
  TranslatorConfig c;
  c.backend = "llama";
  c.model = "/nonexistent/model.gguf";
  c.gpu_layers = 10;
  if (llama_has_gpu_backend()) {
    EXPECT_FALSE(contains(validate_llama_config(c), "without CUDA"));
    return;
  }
  try {
    make_translator(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(contains(e.what(), "built without CUDA")) << e.what();
  }
}

TEST(LlamaConfig, RegistryNamesTheBackend) {
  auto names = translator_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "llama"), names.end());
}

TEST(LlamaLoader, MissingFileIsNotFound) {
  TranslatorConfig c;
  c.backend = "llama";
  c.model = "/nonexistent/model.gguf";
  try {
    make_translator(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kNotFound) << e.what();
  }
}

TEST(LlamaLoader, NotAGgufIsADataError) {
  auto path = std::filesystem::temp_directory_path() / "stream_tts_llama_test_not_gguf.gguf";
  std::ofstream(path) << "this is not a GGUF file";
  TranslatorConfig c;
  c.backend = "llama";
  c.model = path.string();
  try {
    make_translator(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError) << e.what();
  }
  std::filesystem::remove(path);
}

// ---- real models
// ---------------------------------------------------------------------------------

// Loads `name` (or the path in `env`) once per test binary; nullptr and a reason when not
// installed.
std::shared_ptr<LlamaTranslator> load_model(const char* env, const char* name,
                                            int context_sentences, std::string* why) {
  TranslatorConfig c;
  c.backend = "llama";
  const char* path = std::getenv(env);
  c.model = path && *path ? path : name;
  c.context_sentences = context_sentences;
  // One thread: ctest runs tests side by side on 2 cores, and llama.cpp's OpenMP threads spin at
  // every barrier, so two threads per test on a busy machine run several times slower than one.
  c.threads = 1;
  try {
    return std::make_shared<LlamaTranslator>(c);
  } catch (const Error& e) {
    if (e.status().code() != StatusCode::kNotFound) throw;
    *why = std::string(name) + " is not installed (" + e.what() +
           "); run `stream-tts models install " + name + "` or set " + env + "=PATH.gguf";
    return nullptr;
  }
}

// Greedy sampling inside llama.cpp's graph (used where layers run on a GPU) picks the same tokens as
// the host argmax over copied logits. Runs on the CPU backend here; the GPU machine runs the same
// code with --gpu-layers (bench/gpu).
TEST(LlamaSession, BackendSamplingMatchesHostArgmax) {
  std::filesystem::path path;
  try {
    const char* env = std::getenv("STREAM_TTS_TEST_GEMMA");
    path = env && *env ? std::filesystem::path(env) : models::resolve_model("gemma-3-270m");
  } catch (const Error& e) {
    GTEST_SKIP() << "gemma-3-270m is not installed (" << e.what()
                 << "); run `stream-tts models install gemma-3-270m`";
  }
  auto model = llama::LlamaModel::load(path, 0);
  std::string outputs[2];
  for (int backend = 0; backend < 2; ++backend) {
    llama::SessionOptions so;
    so.threads = 1;
    so.n_ctx = 512;
    so.backend_sampling = backend == 1;
    llama::LlamaSession session(model, so);
    ASSERT_TRUE(session.set_prefix("<start_of_turn>user\nList three colours.<end_of_turn>\n"));
    llama::GenerateOptions go;
    go.max_new_tokens = 24;
    go.stop_at_line = false;
    auto gen = session.generate("<start_of_turn>model\n", go, {});
    ASSERT_TRUE(gen) << gen.status().to_string();
    EXPECT_GT(gen->generated_tokens, 3);
    outputs[backend] = gen->text;
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}

// The prompt is tokenized in two pieces, the cached prefix and each sentence's suffix. The prefix ends
// with the opening of the sentence's user turn, so the cut falls just before the sentence's text: the
// two pieces must give the same tokens as the whole prompt, or the model would see a different prompt
// than the one its chat template renders.
TEST(LlamaPrompt, PrefixAndSuffixTokenizeLikeTheWholePrompt) {
  const char* names[] = {"gemma-3-270m", "qwen2.5-coder-0.5b"};
  const char* sentences[] = {"The build passed.",
                             " Leading space.",
                             "\"Quoted,\" she said.",
                             "42 tests ran in 3.5 s.",
                             "`make_translator()` returns a `std::unique_ptr`.",
                             "Run `npm test` — then check ./build/out.log!",
                             "\u65e5\u672c\u8a9e\u306e\u6587\u3002",
                             "\nA line after a newline."};
  int checked = 0;
  for (const char* name : names) {
    std::filesystem::path path;
    try {
      path = models::resolve_model(name);
    } catch (const Error&) {
      continue;  // not installed: test.sh installs both
    }
    auto model = llama::LlamaModel::load(path, 0);
    llama::SessionOptions so;
    so.threads = 1;
    so.n_ctx = 512;
    llama::LlamaSession session(model, so);
    PromptBuilder p(model->chat_template());
    const std::vector<TranslationPair> ctx = {{"First one.", "\u6700\u521d\u3002"}};
    for (const char* sentence : sentences) {
      for (int with_context = 0; with_context < 2; ++with_context) {
        auto suffix = p.suffix(with_context ? std::span(ctx) : std::span<const TranslationPair>(),
                               sentence);
        ASSERT_TRUE(suffix) << suffix.status().to_string();
        auto split = session.tokenize(p.prefix(), false);
        auto tail = session.tokenize(*suffix, false);
        split.insert(split.end(), tail.begin(), tail.end());
        EXPECT_EQ(split, session.tokenize(p.prefix() + *suffix, false))
            << name << ": \"" << sentence << "\" context " << with_context;
        ++checked;
      }
    }
  }
  if (checked == 0)
    GTEST_SKIP() << "neither gemma-3-270m nor qwen2.5-coder-0.5b is installed; run `stream-tts "
                    "models install gemma-3-270m qwen2.5-coder-0.5b`";
}

class LlamaGemma : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    translator_ = load_model("STREAM_TTS_TEST_GEMMA", "gemma-3-270m", 0, &why_);
  }
  static void TearDownTestSuite() { translator_.reset(); }
  void SetUp() override {
    if (!translator_) GTEST_SKIP() << why_;
  }
  static std::shared_ptr<LlamaTranslator> translator_;
  static std::string why_;
};
std::shared_ptr<LlamaTranslator> LlamaGemma::translator_;
std::string LlamaGemma::why_;

TEST_F(LlamaGemma, LoadsWithTheBuiltinGemmaTemplate) {
  EXPECT_EQ(translator_->model_arch(), "gemma3");
  EXPECT_TRUE(contains(translator_->chat_template_origin(), "builtin:gemma"))
      << translator_->chat_template_origin();
  EXPECT_EQ(translator_->name(), "llama");
  EXPECT_EQ(translator_->target_lang(), "ja");
  EXPECT_GT(translator_->stats().prefix_tokens, 150);
}

TEST_F(LlamaGemma, ThePrefixIsEvaluatedOnceAndReused) {
  auto& st = translator_->stats();
  int64_t before = st.prompt_tokens_evaluated;
  (void)translator_->translate("The build passed.");
  int first = st.last_prompt_tokens;
  EXPECT_GT(first, 5);
  EXPECT_LT(first, 30);  // the sentence's turn only: the prefix has over 150 tokens
  EXPECT_EQ(st.prompt_tokens_evaluated, before + first);
  (void)translator_->translate("Let me run the tests next.");
  int second = st.last_prompt_tokens;
  EXPECT_LT(second, 30);
  EXPECT_EQ(st.prompt_tokens_evaluated, before + first + second);
  EXPECT_LE(st.last_generated_tokens, st.last_token_bound);
}

TEST_F(LlamaGemma, DeterministicAcrossSentencesAndSessions) {
  const char* a = "I fixed the failing test in `cache_test.py`.";
  (void)translator_->translate(a);
  std::string first = translator_->stats().last_raw_output;
  (void)translator_->translate("Something else entirely, to leave other cells in the cache.");
  (void)translator_->translate(a);
  EXPECT_EQ(translator_->stats().last_raw_output, first);
  // A second session over the same (shared) model gives the same bytes.
  std::string why;
  auto other = load_model("STREAM_TTS_TEST_GEMMA", "gemma-3-270m", 0, &why);
  ASSERT_TRUE(other) << why;
  (void)other->translate(a);
  EXPECT_EQ(other->stats().last_raw_output, first);
}

TEST_F(LlamaGemma, JapaneseInputPassesThroughWithoutTheModel) {
  int64_t before = translator_->stats().prompt_tokens_evaluated;
  auto r = translator_->translate("今日はいい天気ですね。");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "今日はいい天気ですね。");
  EXPECT_EQ(translator_->stats().prompt_tokens_evaluated, before);
  r = translator_->translate("  ");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
}

TEST_F(LlamaGemma, ForcedLengthGeneratesExactly) {
  ASSERT_TRUE(translator_->generate_forced("The build passed.", 24));
  EXPECT_EQ(translator_->stats().last_generated_tokens, 24);
  EXPECT_EQ(translator_->stats().last_decoded_tokens, 23);
  EXPECT_TRUE(translator_->stats().last_hit_bound);
}

TEST_F(LlamaGemma, CancellationStopsGeneration) {
  std::stop_source before;
  before.request_stop();
  auto r = translator_->translate("The build passed.", before.get_token());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);

  std::stop_source during;
  std::jthread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    during.request_stop();
  });
  auto t0 = std::chrono::steady_clock::now();
  Status st = translator_->generate_forced("The build passed.", 250, during.get_token());
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
  EXPECT_LT(ms, 2000);
  // The session is usable again afterwards, with the same output as before.
  (void)translator_->translate("The build passed.");
  std::string after = translator_->stats().last_raw_output;
  (void)translator_->translate("The build passed.");
  EXPECT_EQ(translator_->stats().last_raw_output, after);
}

TEST_F(LlamaGemma, ABaseModelsEchoFallsBackWithAReason) {
  // Gemma-3-270M base does not follow instructions: whatever it writes must either be a checked
  // translation or a kDataError (never an unchecked English answer spoken as Japanese).
  auto r = translator_->translate("Please review the changes and tell me if anything looks wrong.");
  if (r) {
    EXPECT_TRUE(utf8::looks_japanese(*r)) << *r;
  } else {
    EXPECT_EQ(r.status().code(), StatusCode::kDataError) << r.status().to_string();
  }
}

// Speculative decoding keeps the target's greedy output. A model drafting for itself must have its
// drafts accepted: that checks the bookkeeping of both caches across steps. Weights are not repacked
// here, so that a batch of tokens gives the logits of single steps (llama_model.h); what is left is
// rounding from where tokens land in the cache after rejected ones are dropped, which can flip a
// near-tie now and then, so a few rejections are allowed.
class LlamaSpeculative : public ::testing::TestWithParam<bool> {};

TEST_P(LlamaSpeculative, SelfDraftGivesThePlainOutputWithEveryDraftAccepted) {
  std::filesystem::path path;
  try {
    const char* env = std::getenv("STREAM_TTS_TEST_QWEN");
    path = env && *env ? std::filesystem::path(env) : models::resolve_model("qwen2.5-coder-0.5b");
  } catch (const Error& e) {
    GTEST_SKIP() << "qwen2.5-coder-0.5b is not installed (" << e.what() << ")";
  }
  auto model = llama::LlamaModel::load(path, 0, /*repack=*/false);
  llama::SessionOptions so;
  so.threads = 1;
  so.n_ctx = 1024;
  // With backend sampling (what GPU sessions use) the target's batch asks for a token per position.
  so.backend_sampling = GetParam();
  llama::LlamaSession plain(model, so), target(model, so), draft(model, so);
  EXPECT_EQ(llama::speculative_incompatibility(target, draft), "");
  PromptBuilder prompt(model->chat_template());
  for (auto* s : {&plain, &target, &draft}) ASSERT_TRUE(s->set_prefix(prompt.prefix()));
  llama::GenerateOptions go;
  go.max_new_tokens = 40;
  for (const char* sentence : {"The build passed.", "I fixed the failing test in `cache_test.py`.",
                               "Let me check the logs to see why the server crashed."}) {
    auto suffix = prompt.suffix({}, sentence);
    ASSERT_TRUE(suffix);
    auto a = plain.generate(*suffix, go, {});
    auto b = llama::generate_speculative(target, draft, *suffix, go, 3, {});
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->text, a->text) << sentence;
    EXPECT_EQ(b->generated_tokens, a->generated_tokens);
    EXPECT_GT(b->draft_tokens, 0);
    EXPECT_GE(b->accepted_tokens * 4, b->draft_tokens * 3) << sentence;
    // Several tokens per target step.
    EXPECT_LT(b->decoded_tokens * 2, b->generated_tokens) << sentence;
  }
}
INSTANTIATE_TEST_SUITE_P(HostAndBackendSampling, LlamaSpeculative, ::testing::Bool());

TEST_F(LlamaGemma, DraftModelOfAnotherFamilyIsRefused) {
  TranslatorConfig c;
  c.backend = "llama";
  c.model = "gemma-3-270m";
  c.draft_model = "qwen2.5-coder-0.5b";
  c.threads = 1;
  try {
    LlamaTranslator t(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    if (e.status().code() == StatusCode::kNotFound) GTEST_SKIP() << e.what();
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << e.what();
    EXPECT_TRUE(contains(e.what(), "vocabulary")) << e.what();
  }
}

class LlamaQwen : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    translator_ = load_model("STREAM_TTS_TEST_QWEN", "qwen2.5-coder-0.5b", 1, &why_);
  }
  static void TearDownTestSuite() { translator_.reset(); }
  void SetUp() override {
    if (!translator_) GTEST_SKIP() << why_;
  }
  static std::shared_ptr<LlamaTranslator> translator_;
  static std::string why_;
};
std::shared_ptr<LlamaTranslator> LlamaQwen::translator_;
std::string LlamaQwen::why_;

TEST_F(LlamaQwen, UsesTheModelsOwnTemplate) {
  EXPECT_EQ(translator_->model_arch(), "qwen2");
  EXPECT_EQ(translator_->chat_template_origin(), "model");
}

TEST_F(LlamaQwen, TranslatesIntoJapaneseAndKeepsIdentifiers) {
  auto r = translator_->translate("The tests passed, so I will commit the changes now.");
  ASSERT_TRUE(r) << r.status().to_string() << " raw: " << translator_->stats().last_raw_output;
  EXPECT_TRUE(utf8::looks_japanese(*r)) << *r;
  // context_sentences = 1: the next prompt carries this sentence and its translation as a turn.
  auto prompt = translator_->prompt_text("Next.");
  ASSERT_TRUE(prompt);
  EXPECT_TRUE(contains(*prompt, "The tests passed, so I will commit the changes now.<|im_end|>"));
  EXPECT_TRUE(contains(*prompt, *r + "<|im_end|>"));
  r = translator_->translate("Next, I will update the `parse_config` function.");
  ASSERT_TRUE(r) << r.status().to_string() << " raw: " << translator_->stats().last_raw_output;
  EXPECT_TRUE(utf8::looks_japanese(*r)) << *r;
  EXPECT_TRUE(contains(*r, "parse_config")) << *r;
  EXPECT_FALSE(translator_->stats().last_hit_bound);
}

// A one-sentence source stops at the translation's "。" without the end-of-turn step; a source with a
// colon (which a translation may split into two sentences) runs to the end of the turn.
TEST_F(LlamaQwen, StopsAtTheExpectedSentenceEndWithoutTheEndOfTurnStep) {
  auto r = translator_->translate("The build passed on the first try.");
  ASSERT_TRUE(r) << r.status().to_string();
  const auto& st = translator_->stats();
  EXPECT_TRUE(utf8::looks_japanese(*r)) << *r;
  EXPECT_EQ(llama::count_sentence_ends(*r), 1) << *r;
  EXPECT_EQ(st.last_decoded_tokens, st.last_generated_tokens - 1);
  r = translator_->translate("I found it: the cache was stale.");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(st.last_decoded_tokens, st.last_generated_tokens) << "raw: " << st.last_raw_output;
}

}  // namespace
}  // namespace stream_tts
