# cmake -DINPUT=file -DOUTPUT=file.cpp -P embed.cmake
# Writes stream_tts::cli::demo_transcript() returning the bytes of INPUT.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}"
"// Generated from ${INPUT} by cmake/embed.cmake. Do not edit.\n"
"#include <string_view>\n"
"namespace stream_tts::cli {\n"
"namespace { const char kData[] = {${bytes} 0}; }\n"
"std::string_view demo_transcript() { return {kData, sizeof(kData) - 1}; }\n"
"}  // namespace stream_tts::cli\n")
