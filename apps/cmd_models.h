// `stream-tts models list | install | verify | path | remove`: the model manager's command line
// (src/models does the work). main.cpp registers it before parsing and runs it when chosen:
//   ModelsCommand models(app);
//   ...
//   if (models.selected()) return models.run(stop.get_token());
#pragma once

#include <CLI/CLI.hpp>

#include <stop_token>
#include <string>
#include <vector>

namespace stream_tts::cli {

class ModelsCommand {
 public:
  // Adds the `models` subcommand and its own subcommands to `app`. The object must outlive parsing
  // and run(): CLI11 writes the options into its members.
  explicit ModelsCommand(CLI::App& app);
  ModelsCommand(const ModelsCommand&) = delete;
  ModelsCommand& operator=(const ModelsCommand&) = delete;

  // True when the parsed command line chose `models`.
  bool selected() const;
  // Runs the chosen action; returns the exit code (0 ok, 1 failure, 2 usage, 130 interrupted).
  // Reports its own errors on stderr; `path` alone writes to stdout, so scripts can capture it.
  int run(std::stop_token stop) const;

 private:
  int list() const;
  int install(std::stop_token stop) const;
  int verify(std::stop_token stop) const;
  int path() const;
  int remove() const;

  CLI::App* models_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* install_ = nullptr;
  CLI::App* verify_ = nullptr;
  CLI::App* path_ = nullptr;
  CLI::App* remove_ = nullptr;
  std::vector<std::string> names_;  // install/verify/remove: models (install: or .gguf paths)
  std::string name_;                // path: the model; install: --name for a local file
  bool force_ = false;              // install: reinstall even when verified
  bool no_progress_ = false;        // install/verify: no progress output
  bool names_only_ = false;         // list: only the catalogue's names, one per line
};

}  // namespace stream_tts::cli
