# MT evaluation smoke test: tools/eval/mt_eval.py on 20 bundled Tatoeba pairs through the real
# binary: the pass-through floor and the llama backend with qwen2.5-coder-0.5b (test.sh installs it). The first run creates the evaluation venv
# (sacreBLEU with MeCab, matplotlib) in ~/.cache/stream-tts/venv-eval, which needs PyPI; without it
# the test is skipped (exit 77). Included from tests/integration/CMakeLists.txt.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME eval.mt_smoke
         COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/eval/smoke_test.py
                 $<TARGET_FILE:stream-tts> ${CMAKE_CURRENT_BINARY_DIR}/eval-mt-smoke none,llama:qwen2.5-coder-0.5b)
set_tests_properties(eval.mt_smoke PROPERTIES
  LABELS "integration;eval"
  SKIP_RETURN_CODE 77
  TIMEOUT 900
  # See llama_tests.cmake: one passive llama.cpp thread next to the other tests (smoke_test.py).
  ENVIRONMENT "OMP_WAIT_POLICY=passive")
