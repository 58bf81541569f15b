# The native kokoro backend (--tts kokoro): the real binary, the installed models, the audio it
# writes. Included from tests/integration/CMakeLists.txt after cli_tests.cmake (cli_test()).
# Needs `stream-tts models install kokoro-ja kokoro-ja-g2p` (test.sh installs both).
if(DEFINED ENV{XDG_DATA_HOME} AND NOT "$ENV{XDG_DATA_HOME}" STREQUAL "")
  set(_kokoro_data "$ENV{XDG_DATA_HOME}/stream-tts/models")
else()
  set(_kokoro_data "$ENV{HOME}/.local/share/stream-tts/models")
endif()
if(EXISTS "${_kokoro_data}/kokoro-ja" AND EXISTS "${_kokoro_data}/kokoro-ja-g2p")
  cli_test(kokoro_say --voice kokoro:jf_alpha --min-seconds 1 --max-seconds 4 --rate 24000
    --expect-sentence "今日はいい天気ですね。"
    -- say "今日はいい天気ですね。" --tts kokoro --voice jf_alpha --sample-rate 24000)
  # A blend and a faster rate, two sentences in order, each spoken once.
  cli_test(kokoro_blend --voice kokoro:jf_alpha:0.7,jm_kumo:0.3 --min-sentences 2 --min-seconds 1.5
    --max-seconds 6 --rate 24000
    --expect-sentence "原因が分かりました。" --expect-sentence "もう一度テストを実行してください。"
    -- say "原因が分かりました。もう一度テストを実行してください。" --tts kokoro
       --voice jf_alpha:0.7,jm_kumo:0.3 --rate 1.2 --sample-rate 24000)
  cli_test(kokoro_unknown_voice --no-wav --expect-exit 2 --expect-stderr "unknown Kokoro voice 'nope'"
    -- say "テスト。" --tts kokoro --voice nope)
else()
  message(STATUS "cli.kokoro_* not added: they need the kokoro-ja and kokoro-ja-g2p models "
                 "(stream-tts models install kokoro-ja kokoro-ja-g2p), then re-run cmake")
endif()
