# Integration tests: the real stream-tts binary on real inputs, checking the audio and metrics it
# writes (tests/integration/run_case.py). Included from tests/integration/CMakeLists.txt.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(RUN_CASE ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/run_case.py $<TARGET_FILE:stream-tts>)
set(FIX ${PROJECT_SOURCE_DIR}/tests/fixtures)

function(cli_test name)
  add_test(NAME cli.${name} COMMAND ${RUN_CASE} ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES LABELS integration TIMEOUT 300)
endfunction()

# The bundled demo: a Claude Code session answering in Japanese, with thinking, a tool call, a
# tool result and a code block; with partial messages (each text arrives as deltas and again whole).
cli_test(demo --voice openjtalk --min-sentences 6 --min-seconds 8 --max-seconds 60
  --expect-sentence "原因が分かりました。"
  --expect-sentence "期限切れの判定が逆になっています。"
  --expect-sentence "修正したあと、もう一度テストを実行してください。"
  --forbid "The user asked" --forbid "import time" --forbid "entry.expires" --forbid "file_path"
  -- --demo --demo-speed 0)

cli_test(say_japanese --voice openjtalk --min-seconds 1 --max-seconds 5
  --expect-sentence "今日はいい天気ですね。" -- say "今日はいい天気ですね。")

cli_test(say_english --voice espeak --min-seconds 1 --max-seconds 8 --rate 24000
  --expect-sentence "The build passed." --expect-sentence "Let me run the tests next."
  -- say "The build passed. Let me run the tests next." --sample-rate 24000)

cli_test(text_stdin --stdin ${FIX}/text/mixed.txt --min-sentences 3 --min-seconds 2 --max-seconds 40
  --expect-sentence "これはテストです。" --expect-sentence "This line is English."
  -- --input text)

cli_test(missing_device --no-wav --expect-exit 1 --expect-stderr "no-such-device"
  -- say "テスト。" --out speaker:no-such-device-xyz)

cli_test(bad_flag --no-wav --expect-exit 2 --expect-stderr "--rate must be within"
  -- say "テスト。" --rate 9)

cli_test(fallback_out --no-wav --expect-stderr "instead"
  -- say "テスト。" --out speaker:no-such-device-xyz --fallback-out null)

# The whole program to the speakers, through a real PulseAudio server (null sink, monitor recorded).
add_test(NAME cli.speaker_pulse
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_speaker_test.sh $<TARGET_FILE:stream-tts>)
set_tests_properties(cli.speaker_pulse PROPERTIES LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 180)
