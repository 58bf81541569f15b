# Integration tests of the `nmt` translator: the real CLI on the tiny golden models (tests/golden/nmt,
# made with transformers by tools/nmt/make_golden.py) must write what transformers wrote; broken model
# directories and --device cuda without CUDA are clear errors. Included from CMakeLists.txt (uses RUN_CASE).
set(NMT_GOLDEN ${PROJECT_SOURCE_DIR}/tests/golden/nmt)
set(NMT_CHECK ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/nmt_translate_check.py $<TARGET_FILE:stream-tts>)

function(nmt_test name)
  add_test(NAME cli.nmt.${name} COMMAND ${ARGN})
  set_tests_properties(cli.nmt.${name} PROPERTIES LABELS "integration;nmt" TIMEOUT 300)
endfunction()

nmt_test(translate_nllb ${NMT_CHECK} ${NMT_GOLDEN}/tiny-nllb.golden.json ${NMT_GOLDEN}/tiny-nllb)
nmt_test(translate_marian ${NMT_CHECK} ${NMT_GOLDEN}/tiny-marian.golden.json ${NMT_GOLDEN}/tiny-marian)
# Beam search (--beams 2 and 4) against transformers' generate(num_beams=N).
foreach(model tiny-nllb tiny-marian)
  foreach(beams 2 4)
    nmt_test(translate_${model}_beams${beams} ${NMT_CHECK} ${NMT_GOLDEN}/${model}.beams.json ${NMT_GOLDEN}/${model}
      --beams ${beams})
  endforeach()
endforeach()
# int8 weights must still translate every line (not compared with transformers' fp32 text).
nmt_test(translate_int8 bash -c "head -3 \"$1\" | \"$0\" translate --translate nmt --model \"$2\" --int8 --max-tokens 8 | grep -c . | grep -qx 3"
  $<TARGET_FILE:stream-tts> ${NMT_GOLDEN}/tiny-nllb.inputs.txt ${NMT_GOLDEN}/tiny-nllb)

# --shortlist (docs/nmt.md): a shortlist holding every token of transformers' outputs changes no greedy
# output; a piece the vocabulary lacks is an error naming the file and line; it needs --translate nmt.
foreach(model tiny-nllb tiny-marian)
  nmt_test(translate_${model}_shortlist ${NMT_CHECK} ${NMT_GOLDEN}/${model}.golden.json ${NMT_GOLDEN}/${model}
    --shortlist ${NMT_GOLDEN}/${model}.shortlist.txt)
endforeach()
# tools/nmt/make_shortlist.cpp: a shortlist made from a corpus (here the golden Japanese outputs) loads
# and translates.
nmt_test(make_shortlist bash -c "\"$0\" --model \"$1\" --corpus \"$2\" --min-count 1 > \"$3\" && grep -q '^# nmt shortlist: [1-9]' \"$3\" && echo 'A cat is sleeping over there.' | \"$4\" translate --translate nmt --model \"$1\" --shortlist \"$3\" --max-tokens 6 | wc -l | grep -qx 1"
  $<TARGET_FILE:st_nmt_make_shortlist> ${NMT_GOLDEN}/tiny-nllb ${NMT_GOLDEN}/tiny-nllb.expected.txt
  ${CMAKE_CURRENT_BINARY_DIR}/make_shortlist.txt $<TARGET_FILE:stream-tts>)
nmt_test(shortlist_unknown_piece ${RUN_CASE} --no-wav --expect-exit 1 --expect-stderr "bad-shortlist.txt:3"
  -- translate --translate nmt --model ${NMT_GOLDEN}/tiny-nllb --shortlist ${NMT_GOLDEN}/bad-shortlist.txt)
nmt_test(shortlist_needs_nmt ${RUN_CASE} --no-wav --expect-exit 2 --expect-stderr "--shortlist needs --translate nmt"
  -- translate --translate none --shortlist ${NMT_GOLDEN}/tiny-nllb.shortlist.txt)

# The pipeline: stdin text -> nmt -> Japanese speech (the tiny NLLB model writes kanji for these two).
nmt_test(pipeline ${RUN_CASE} --stdin ${NMT_GOLDEN}/pipeline_input.txt --min-sentences 2 --min-seconds 0.5
  --max-seconds 60 -- --input text --translate nmt --model ${NMT_GOLDEN}/tiny-nllb --max-tokens 6 --threads 1)

nmt_test(missing_model ${RUN_CASE} --no-wav --expect-exit 1 --expect-stderr "/nonexistent/nllb"
  -- translate --translate nmt --model /nonexistent/nllb)
nmt_test(device_cuda_without_cuda ${RUN_CASE} --no-wav --expect-exit 2 --expect-stderr "--device cuda"
  -- translate --translate nmt --model ${NMT_GOLDEN}/tiny-nllb --device cuda)
