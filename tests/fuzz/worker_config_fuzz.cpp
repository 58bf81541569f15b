// The workers.json reader (src/worker/worker_config.h, WorkerCatalogue::merge_json; load() reads the
// file and calls it). Whatever the document, merging reports problems instead of failing; every
// entry it leaves can be validated; merging the same document again changes nothing (an entry with a
// known name takes only the fields the document gives).
//
// Input: the workers.json text.
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "worker/worker_config.h"

namespace {

// Every field, so that "changes nothing" means nothing; validate() runs on each entry too.
std::string describe(const stream_tts::worker::WorkerCatalogue& catalogue) {
  std::string out;
  for (const std::string& name : catalogue.names()) {
    const stream_tts::worker::WorkerConfig& c = catalogue.find(name);
    stream_tts::fuzz::check(c.name == name, "worker config: entries carry their name", name, c.name);
    out += "[" + c.name + "] " + c.kind + " cwd=" + c.cwd;
    for (const std::string& a : c.argv()) out += " arg=" + a;
    for (const auto& [k, v] : c.env) out += " env=" + k + "=" + v;
    out += " transport=" + std::to_string(static_cast<int>(c.transport)) +
           " pool=" + std::to_string(c.pool) + " start=" + std::to_string(c.start_timeout_s) +
           " request=" + std::to_string(c.request_timeout_s) +
           " health=" + std::to_string(c.health_interval_s) +
           " attempts=" + std::to_string(c.max_attempts) +
           " grace=" + std::to_string(c.shutdown_grace_s) +
           " in_flight=" + std::to_string(c.max_in_flight) +
           " queue=" + std::to_string(c.queue_limit) + "\n";
    for (const std::string& p : c.validate()) out += "  " + p + "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts::worker;
  namespace fz = stream_tts::fuzz;
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  WorkerCatalogue catalogue;
  const std::vector<std::string> problems = catalogue.merge_json(json, "workers.json");
  const std::string first = describe(catalogue);

  const std::vector<std::string> again = catalogue.merge_json(json, "workers.json");
  fz::check(again == problems, "worker config: merging again reports the same problems");
  const std::string second = describe(catalogue);
  fz::check(first == second, "worker config: merging again changes nothing", first, second);
  return 0;
}
