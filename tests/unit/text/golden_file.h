// Reader for the golden fixture format shared by tests/golden/cleaner and tests/golden/segmenter:
//
//   # comment (only before the first case)
//   === case_name
//   key: value            (optional settings, one per line)
//   --- input
//   raw lines ...
//   --- expected
//   raw lines ...
//
// A section's text is its lines joined with '\n' (no newline after the last line). "␠" (U+2420)
// stands for a space that would otherwise be invisible at the end of a line.
#pragma once

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace stream_tts::golden {

struct Case {
  std::string name;
  std::map<std::string, std::string> settings;
  std::string input;
  std::vector<std::string> expected_lines;
};

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

inline std::string visible_spaces(const std::string& s) { return replace_all(s, "\u2420", " "); }

inline std::vector<Case> read_cases(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open golden file " + path);
  std::vector<Case> cases;
  enum class Section { kNone, kSettings, kInput, kExpected } section = Section::kNone;
  std::vector<std::string> input_lines;
  auto finish = [&] {
    if (cases.empty()) return;
    std::string joined;
    for (size_t i = 0; i < input_lines.size(); ++i) {
      if (i > 0) joined.push_back('\n');
      joined += visible_spaces(input_lines[i]);
    }
    cases.back().input = joined;
    for (std::string& line : cases.back().expected_lines) line = visible_spaces(line);
    // Trailing empty lines in the expected section are layout, not content.
    while (!cases.back().expected_lines.empty() && cases.back().expected_lines.back().empty()) {
      cases.back().expected_lines.pop_back();
    }
    input_lines.clear();
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) == 0) {
      finish();
      cases.push_back(Case{line.substr(4), {}, {}, {}});
      section = Section::kSettings;
    } else if (section == Section::kNone) {
      continue;  // file header
    } else if (line == "--- input") {
      section = Section::kInput;
    } else if (line == "--- expected") {
      section = Section::kExpected;
    } else if (section == Section::kSettings) {
      if (line.empty()) continue;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) throw std::runtime_error("bad setting line: " + line);
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      cases.back().settings[line.substr(0, colon)] = value;
    } else if (section == Section::kInput) {
      input_lines.push_back(line);
    } else {
      cases.back().expected_lines.push_back(line);
    }
  }
  finish();
  // The last input line of a case is followed by "--- expected"; an input that should end with a
  // newline says so with a final empty line, which getline keeps.
  return cases;
}

// Test names may hold only letters, digits and '_'.
inline std::string test_name(const std::string& name) {
  std::string out;
  for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

// Shows control characters and spaces so that a failure message tells "a \n" from "a\n".
inline std::string escaped(const std::string& s) {
  std::ostringstream os;
  for (char c : s) {
    if (c == '\n') os << "\\n";
    else if (c == '\t') os << "\\t";
    else if (c == '\r') os << "\\r";
    else if (c == ' ') os << "\u00b7";
    else os << c;
  }
  return os.str();
}

}  // namespace stream_tts::golden
