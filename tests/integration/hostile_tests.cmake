# Hostile and broken input and output, end to end on the real binary (issue 8): each case builds
# its input at run time (random bytes, a 100 MB line, a burst of 2,000 messages) in a temporary
# folder, runs stream-tts and checks exit code, warnings, what was spoken, memory and the WAV it
# left. tests/integration/hostile_case.py documents every case; HOSTILE_SEED=N varies the random ones.
# Included from tests/integration/CMakeLists.txt.
set(HOSTILE_CASE ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/hostile_case.py $<TARGET_FILE:stream-tts>)

function(hostile_test name)
  add_test(NAME hostile.${name} COMMAND ${HOSTILE_CASE} ${name})
  # 77: a case whose tool is missing here (unshare, /dev/full) says so and is skipped.
  set_tests_properties(hostile.${name} PROPERTIES LABELS "integration;hostile" TIMEOUT 120
                       SKIP_RETURN_CODE 77)
endfunction()

# Input: one warning per broken line with its number, the stream goes on, valid text spoken once.
foreach(c random_line random_blob random_first long_line truncated_json invalid_utf8_delta nul_bytes
          crlf never_ending)
  hostile_test(${c})
endforeach()
# Output: the reader goes away, the disk fills, a file size limit, signals at random points.
foreach(c raw_sigpipe raw_disk_full wav_disk_full wav_file_size_limit signals)
  hostile_test(${c})
endforeach()
# Load: a burst of 2,000 messages (backpressure, order, bounded memory; drop-oldest counts drops).
# bench/e2e/burst.py runs the 10,000-message version and prints the numbers.
foreach(c burst burst_drop_oldest)
  hostile_test(${c})
endforeach()

# The speaker goes away mid-sentence (a private PulseAudio server, with_pulse.sh): the server dies,
# or its only sink is unloaded (a device unplugged).
foreach(mode kill-server unload-sink)
  add_test(NAME hostile.speaker_${mode}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/hostile_speaker_test.sh $<TARGET_FILE:stream-tts> ${mode})
  set_tests_properties(hostile.speaker_${mode} PROPERTIES LABELS "integration;hostile" SKIP_RETURN_CODE 77
                       TIMEOUT 120)
endforeach()

# The backlog flags are checked like every other flag (exit 2, every problem named).
cli_test(bad_backlog --no-wav --expect-exit 2 --expect-stderr "--backlog must be block or drop-oldest"
  --expect-stderr "--backlog-sentences must be within" -- say "テスト。" --backlog drop-newest --backlog-sentences 0)
