# The `llama` translator on the CPU: bench_llama_translate prints ms per sentence and decode-loop tokens/s;
# bench/e2e/llama_translate_bench.py runs it next to llama.cpp's llama-bench (and llama-cpp-python where
# installed) in one invocation. Included from bench/e2e/CMakeLists.txt.
if(STREAM_TTS_LLAMA)
  add_executable(bench_llama_translate ${CMAKE_CURRENT_LIST_DIR}/llama_translate_bench.cpp)
  target_link_libraries(bench_llama_translate PRIVATE st_translate_llama st_core)
  stream_tts_warnings(bench_llama_translate)
endif()
