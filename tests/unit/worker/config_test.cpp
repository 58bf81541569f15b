#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "stream_tts/status.h"
#include "worker/worker_config.h"

namespace stream_tts::worker {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(WorkerConfig, BuiltinKokoroRunsTheWorkersVenv) {
  const WorkerCatalogue cat = WorkerCatalogue::builtin();
  const WorkerConfig& k = cat.find("kokoro-ja");
  ASSERT_EQ(k.command.size(), 3u);
  EXPECT_NE(k.command[0].find("stream-tts/venv-workers/bin/python"), std::string::npos);
  EXPECT_EQ(k.command[2], "kokoro_ja_worker");
  EXPECT_NE(k.env.at("PYTHONPATH").find("/workers/python:"), std::string::npos);
  EXPECT_TRUE(k.validate().empty());
}

TEST(WorkerConfig, FileEntriesAddWorkersAndOverrideBuiltinsFieldByField) {
  WorkerCatalogue cat = WorkerCatalogue::builtin();
  const auto problems = cat.merge_json(R"({"workers":{
      "kokoro-ja":{"pool":2,"env":{"OMP_NUM_THREADS":"2"}},
      "tone":{"command":["python3","-m","stream_tts_worker.tone_worker"],"args":["--chunks","4"],
              "transport":"unix","start_timeout_s":5,"request_timeout_s":0.5,"health_interval_s":0,
              "max_attempts":3,"cwd":"/tmp"}}})",
                                       "test.json");
  EXPECT_TRUE(problems.empty()) << problems.front();
  const WorkerConfig& k = cat.find("kokoro-ja");
  EXPECT_EQ(k.pool, 2);
  EXPECT_EQ(k.command[2], "kokoro_ja_worker");  // kept from the built-in entry
  EXPECT_EQ(k.env.size(), 1u);                  // a given field replaces the built-in's value
  const WorkerConfig& t = cat.find("tone");
  EXPECT_EQ(t.argv(), (std::vector<std::string>{"python3", "-m", "stream_tts_worker.tone_worker",
                                                "--chunks", "4"}));
  EXPECT_EQ(t.transport, Transport::kUnix);
  EXPECT_DOUBLE_EQ(t.request_timeout_s, 0.5);
  EXPECT_DOUBLE_EQ(t.start_timeout_s, 5.0);
  EXPECT_EQ(t.max_attempts, 3);
  EXPECT_EQ(t.cwd, "/tmp");
  EXPECT_TRUE(t.validate().empty());
}

TEST(WorkerConfig, ReportsEveryBadFieldAtOnce) {
  WorkerCatalogue cat;
  const auto problems = cat.merge_json(R"({"workers":{"x":{
      "comand":["a"],"pool":"two","transport":"tcp","env":{"A":1},"start_timeout_s":"soon"}}})",
                                       "w.json");
  EXPECT_EQ(problems.size(), 5u);
  EXPECT_TRUE(contains(problems, "w.json: workers.x.comand: unknown field"));
  EXPECT_TRUE(contains(problems, "workers.x.pool: expected an integer"));
  EXPECT_TRUE(contains(problems, "workers.x.transport: expected \"stdio\" or \"unix\""));
  EXPECT_TRUE(contains(problems, "workers.x.env.A: expected a string"));
  EXPECT_TRUE(contains(problems, "workers.x.start_timeout_s: expected a number of seconds"));
}

TEST(WorkerConfig, ValidateReportsEveryProblem) {
  WorkerConfig c;
  c.name = "bad";
  c.kind = "asr";
  c.pool = 0;
  c.start_timeout_s = 0;
  c.request_timeout_s = -1;
  c.health_interval_s = -1;
  c.max_attempts = 0;
  const auto p = c.validate();
  EXPECT_EQ(p.size(), 7u);
  EXPECT_TRUE(contains(p, "worker bad: kind must be"));
  EXPECT_TRUE(contains(p, "command must name a program"));
  EXPECT_TRUE(contains(p, "pool must be"));
  EXPECT_TRUE(contains(p, "max_attempts"));
}

TEST(WorkerConfig, BadDocumentsAreProblemsNotExceptions) {
  WorkerCatalogue cat;
  EXPECT_TRUE(contains(cat.merge_json("{", "a.json"), "a.json: not valid JSON"));
  EXPECT_TRUE(contains(cat.merge_json(R"({"workers":[]})", "b.json"), "expected {\"workers\""));
  EXPECT_TRUE(contains(cat.merge_json(R"({"workers":{},"extra":1})", "c.json"),
                       "unknown top-level field 'extra'"));
}

TEST(WorkerConfig, UnknownNameListsTheKnownOnes) {
  WorkerCatalogue cat = WorkerCatalogue::builtin();
  try {
    cat.find("cosyvoice");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("unknown worker 'cosyvoice' (known: kokoro-ja"),
              std::string::npos)
        << e.what();
  }
}

TEST(WorkerConfig, LoadReadsAFileAndRejectsAMissingOne) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("st_worker_cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "workers.json";
  std::ofstream(file) << R"({"workers":{"tone":{"command":["python3"],"pool":0}}})";
  try {
    WorkerCatalogue::load(file.string());
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("worker tone: pool must be within 1..64"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(file) << R"({"workers":{"tone":{"command":["python3"]}}})";
  EXPECT_TRUE(WorkerCatalogue::load(file.string()).contains("tone"));
  EXPECT_THROW(WorkerCatalogue::load((dir / "missing.json").string()), Error);
  // The default file is optional.
  ::setenv("XDG_CONFIG_HOME", (dir / "nothing-here").c_str(), 1);
  EXPECT_TRUE(WorkerCatalogue::load("").contains("kokoro-ja"));
  ::unsetenv("XDG_CONFIG_HOME");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stream_tts::worker
