# cmake -DINPUT=catalogue.json -DOUTPUT=catalogue_data.cpp -P embed_catalogue.cmake
# Writes stream_tts::models::builtin_catalogue_json() returning the bytes of INPUT, so the program
# needs no data files beside it. Bytes, not a raw string literal: the JSON may contain any sequence.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}"
"// Generated from ${INPUT} by embed_catalogue.cmake. Do not edit.\n"
"#include \"models/catalogue.h\"\n"
"namespace stream_tts::models {\n"
"namespace { const char kData[] = {${bytes} 0}; }\n"
"std::string_view builtin_catalogue_json() { return {kData, sizeof(kData) - 1}; }\n"
"}  // namespace stream_tts::models\n")
