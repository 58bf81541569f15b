# Integration tests of worker:<name> voices: the real stream-tts binary with a real worker process,
# checked by run_case.py. Included from tests/integration/CMakeLists.txt (after cli_tests.cmake,
# which defines RUN_CASE, FIX and cli_test()).

# The tone worker (workers/python/stream_tts_worker/tone_worker.py, standard library only), run by
# the interpreter itself: a pyenv shim script would add about a second to every start.
execute_process(COMMAND ${Python3_EXECUTABLE} -c "import sys; print(sys.executable)"
                OUTPUT_VARIABLE _worker_python OUTPUT_STRIP_TRAILING_WHITESPACE)
set(_workers_py "${PROJECT_SOURCE_DIR}/workers/python")
set(_crash_once "${CMAKE_CURRENT_BINARY_DIR}/worker_crash_once")
function(_tone_entry name args out)
  set(${out} "\"${name}\":{\"command\":[\"${_worker_python}\",\"-m\",\"stream_tts_worker.tone_worker\"],\"args\":[${args}],\"env\":{\"PYTHONPATH\":\"${_workers_py}\"},\"shutdown_grace_s\":1}" PARENT_SCOPE)
endfunction()
_tone_entry(tone "" _tone)
# Killed after its first chunk once (the once-file records it): the manager restarts it and says the
# sentence again without repeating the chunk already played.
_tone_entry(tone-crash "\"--crash-after-chunks\",\"1\",\"--crash-once-file\",\"${_crash_once}\"" _tone_crash)
set(TONE_WORKERS "${CMAKE_CURRENT_BINARY_DIR}/tone_workers.json")
file(WRITE ${TONE_WORKERS} "{\"workers\":{${_tone},${_tone_crash}}}\n")

# The tone worker says 3 chunks of 100 ms per sentence.
cli_test(worker_tone_say --voice worker:tone --min-sentences 2 --min-seconds 0.55 --max-seconds 0.65
  --expect-sentence "今日はいい天気ですね。" --expect-sentence "明日も晴れるでしょう。"
  -- say "今日はいい天気ですね。明日も晴れるでしょう。" --tts worker:tone --workers ${TONE_WORKERS})

cli_test(worker_tone_text --stdin ${FIX}/text/mixed.txt --voice worker:tone --min-sentences 3
  --expect-sentence "これはテストです。" --expect-sentence "This line is English."
  -- --input text --tts worker:tone --workers ${TONE_WORKERS})

# Every sentence exactly once and the audio exactly 3 chunks per sentence, despite the SIGKILL.
add_test(NAME cli.worker_crash_reset COMMAND ${CMAKE_COMMAND} -E rm -f ${_crash_once})
set_tests_properties(cli.worker_crash_reset PROPERTIES FIXTURES_SETUP worker_crash LABELS integration)
cli_test(worker_tone_crash --voice worker:tone-crash --min-sentences 3 --min-seconds 0.85 --max-seconds 0.95
  --expect-sentence "一つ目の文です。" --expect-sentence "二つ目の文です。" --expect-sentence "三つ目の文です。"
  --expect-stderr "restarted"
  -- say "一つ目の文です。二つ目の文です。三つ目の文です。" --tts worker:tone-crash --workers ${TONE_WORKERS})
set_tests_properties(cli.worker_tone_crash PROPERTIES FIXTURES_REQUIRED worker_crash)

cli_test(worker_unknown --no-wav --expect-exit 2 --expect-stderr "unknown worker 'nope' (known: kokoro-ja, tone"
  -- say "テスト。" --tts worker:nope --workers ${TONE_WORKERS})

cli_test(worker_bad_voice --no-wav --expect-exit 2 --expect-stderr "worker tone has no voice 'jf_alpha'"
  -- say "テスト。" --tts worker:tone --voice jf_alpha --workers ${TONE_WORKERS})

# Kokoro through the built-in kokoro-ja entry: needs the workers venv and the installed model.
if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_cache_home "$ENV{XDG_CACHE_HOME}")
else()
  set(_cache_home "$ENV{HOME}/.cache")
endif()
if(DEFINED ENV{XDG_DATA_HOME} AND NOT "$ENV{XDG_DATA_HOME}" STREQUAL "")
  set(_data_home "$ENV{XDG_DATA_HOME}")
else()
  set(_data_home "$ENV{HOME}/.local/share")
endif()
set(_kokoro_python "${_cache_home}/stream-tts/venv-workers/bin/python")
set(_kokoro_model "${_data_home}/stream-tts/models/kokoro-ja")
if(EXISTS "${_kokoro_python}" AND EXISTS "${_kokoro_model}")
  cli_test(worker_kokoro_say --voice worker:kokoro-ja --min-seconds 1 --max-seconds 6 --rate 24000
    --expect-sentence "今日はいい天気ですね。"
    -- say "今日はいい天気ですね。" --tts worker:kokoro-ja --voice jf_alpha --sample-rate 24000)
  # The bundled Claude transcript spoken through Kokoro: every sentence once, nothing from thinking or
  # tool I/O, and the metrics name the worker voice.
  cli_test(worker_kokoro_demo --voice worker:kokoro-ja --min-sentences 6 --min-seconds 8 --max-seconds 90
    --rate 24000 --expect-sentence "原因が分かりました。"
    --expect-sentence "修正したあと、もう一度テストを実行してください。"
    --forbid "The user asked" --forbid "import time"
    -- --demo --demo-speed 0 --tts worker:kokoro-ja --voice jf_gongitsune --sample-rate 24000)
else()
  message(STATUS "cli.worker_kokoro_say not added: it needs the workers venv (${_kokoro_python}) and the "
                 "kokoro-ja model (${_kokoro_model}); create both, then re-run cmake")
endif()

# The Python SDK's own tests (framing, handshake, cancel, the tone and Kokoro workers), with the
# system interpreter; the Kokoro ones use the workers venv and skip, saying why, where it is missing.
add_test(NAME workers.python COMMAND ${Python3_EXECUTABLE} -m unittest discover -s tests/workers
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(workers.python PROPERTIES LABELS integration TIMEOUT 300)
