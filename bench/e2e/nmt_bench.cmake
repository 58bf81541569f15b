# The nmt translator on the CPU against transformers and CTranslate2 (nmt_cpu_bench.py runs all three).
add_executable(bench_nmt_cpu nmt_cpu_bench.cpp)
target_link_libraries(bench_nmt_cpu PRIVATE st_translate_nmt st_nn_cpu st_core)
stream_tts_warnings(bench_nmt_cpu)

# Greedy sequences and logits of the CPU path for nmt_cpu_parity.py (parity against transformers on the
# full-size architectures).
add_executable(bench_nmt_cpu_parity nmt_cpu_parity.cpp)
target_link_libraries(bench_nmt_cpu_parity PRIVATE st_translate_nmt st_nn_cpu st_core)
stream_tts_warnings(bench_nmt_cpu_parity)
