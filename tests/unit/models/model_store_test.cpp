#include "models/model_store.h"

#include <gtest/gtest.h>

#include "models/paths.h"
#include "models/sha256.h"
#include "stream_tts/status.h"
#include "test_env.h"

namespace stream_tts::models {
namespace {

using testing::ScopedEnv;
using testing::TempDir;
using testing::write_file;

Status resolve_error(std::string_view name) {
  try {
    resolve_model(name);
  } catch (const Error& e) {
    return e.status();
  }
  ADD_FAILURE() << "resolved " << name;
  return {};
}

// A model folder as install_model would leave it, without going through the installer.
void fake_install(const std::string& name, const std::string& bytes) {
  const auto folder = model_folder(name);
  std::filesystem::create_directories(folder);
  write_file(folder / "m.gguf", bytes);
  Manifest m;
  m.name = name;
  m.kind = "gguf";
  m.main = "m.gguf";
  m.source = "local";
  m.files.push_back({"m.gguf", bytes.size(), sha256_hex(bytes)});
  write_manifest(folder, m);
}

TEST(ModelStore, DirectoriesFollowTheEnvironment) {
  ScopedEnv models("STREAM_TTS_MODELS_DIR", "/tmp/custom-models");
  EXPECT_EQ(models_dir(), "/tmp/custom-models");
  ScopedEnv no_models("STREAM_TTS_MODELS_DIR", "");
  ScopedEnv data("XDG_DATA_HOME", "/data");
  EXPECT_EQ(models_dir(), "/data/stream-tts/models");
  ScopedEnv relative("XDG_DATA_HOME", "relative/ignored");  // the XDG spec says to ignore it
  ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(models_dir(), "/home/u/.local/share/stream-tts/models");
  ScopedEnv cache("XDG_CACHE_HOME", "/c");
  EXPECT_EQ(wheel_cache_dir(), "/c/stream-tts/wheels");
}

TEST(ModelStore, AnExistingPathPassesThrough) {
  TempDir dir;
  const auto file = dir.path() / "any.gguf";
  write_file(file, "GGUF");
  EXPECT_EQ(resolve_model(file.string()), file);
}

TEST(ModelStore, MissingModelsSayHowToFixIt) {
  TempDir dir;
  ScopedEnv env("STREAM_TTS_MODELS_DIR", dir.path().string());
  Status s = resolve_error("qwen2.5-coder-0.5b");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "model 'qwen2.5-coder-0.5b' is not installed; run: stream-tts models install qwen2.5-coder-0.5b");

  s = resolve_error("no-such-model");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("unknown model 'no-such-model'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("gemma-3-270m"), std::string::npos) << "lists the catalogue: " << s.message();

  s = resolve_error("/nowhere/model.gguf");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "model file '/nowhere/model.gguf' does not exist");
  EXPECT_EQ(resolve_error("missing.gguf").message(), "model file 'missing.gguf' does not exist");
  EXPECT_EQ(resolve_error("").code(), StatusCode::kInvalidArgument);
}

TEST(ModelStore, ResolvesAnInstalledModelAndNoticesATruncatedFile) {
  TempDir dir;
  ScopedEnv env("STREAM_TTS_MODELS_DIR", dir.path().string());
  fake_install("mine", "GGUF and some weights");
  EXPECT_EQ(resolve_model("mine"), dir.path() / "mine" / "m.gguf");
  EXPECT_EQ(installed_models(), std::vector<std::string>{"mine"});

  write_file(dir.path() / "mine" / "m.gguf", "GGUF");
  const Status s = resolve_error("mine");
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("run: stream-tts models install mine --force"), std::string::npos) << s.message();
}

TEST(ModelStore, RemoveDeletesTheFolder) {
  TempDir dir;
  ScopedEnv env("STREAM_TTS_MODELS_DIR", dir.path().string());
  fake_install("gone", "GGUF");
  remove_model("gone");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "gone"));
  EXPECT_FALSE(installed_manifest("gone").has_value());
  EXPECT_THROW(remove_model("gone"), Error);
  EXPECT_THROW(remove_model("../etc"), Error);  // not a model name: never a path
}

}  // namespace
}  // namespace stream_tts::models
