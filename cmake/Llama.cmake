# llama.cpp, for the `llama` translator backend (src/translate/llama). Nothing of it is in the repository.
# Where it comes from, in order of preference:
#   STREAM_TTS_LLAMA_SOURCE=<tree>  build that llama.cpp source tree as part of this project (slow: every
#                                   build directory compiles it again)
#   STREAM_TTS_LLAMA_DIR=<prefix>   an installed llama.cpp (its lib/cmake/llama/llama-config.cmake); the
#                                   default is what scripts/fetch-llama.sh installs under the cache
#   STREAM_TTS_LLAMA_DIR=""         a system install found on CMake's default paths (/usr, /usr/local)
# Either way the result is the target `llama`, linked PRIVATE by st_translate_llama only.
option(STREAM_TTS_LLAMA "Build the llama translator backend (needs llama.cpp: scripts/fetch-llama.sh)" ON)

if(DEFINED ENV{STREAM_TTS_CACHE})
  set(_st_cache "$ENV{STREAM_TTS_CACHE}")
else()
  set(_st_cache "$ENV{HOME}/.cache/stream-tts")
endif()
# Keep in step with scripts/fetch-llama.sh (commit and variant names).
if(STREAM_TTS_CUDA)
  set(_st_llama_variant cuda-sm90)
else()
  set(_st_llama_variant cpu)
endif()
set(STREAM_TTS_LLAMA_DIR "${_st_cache}/install/llama.cpp-0c1e570-${_st_llama_variant}" CACHE PATH
    "Install prefix of llama.cpp (scripts/fetch-llama.sh); empty = search the system")
set(STREAM_TTS_LLAMA_SOURCE "" CACHE PATH "Build llama.cpp from this source tree instead of an installed one")

# The CPU instruction sets of scripts/fetch-llama.sh, for a build from source: not GGML_NATIVE, since
# -march=native on this machine kind's Intel hosts emits AMX instructions that the sandbox traps (SIGILL).
function(_stream_tts_llama_isa)
  set(want avx512f avx512cd avx512bw avx512dq avx512vl avx512vbmi avx512_vnni avx512_bf16)
  set(avx512 ON)
  if(EXISTS /proc/cpuinfo)
    file(STRINGS /proc/cpuinfo flags REGEX "^flags" LIMIT_COUNT 1)
    foreach(f IN LISTS want)
      if(NOT " ${flags} " MATCHES " ${f} ")
        set(avx512 OFF)
      endif()
    endforeach()
  else()
    set(avx512 OFF)
  endif()
  foreach(v GGML_AVX GGML_AVX2 GGML_FMA GGML_F16C GGML_BMI2)
    set(${v} ON PARENT_SCOPE)
  endforeach()
  foreach(v GGML_AVX512 GGML_AVX512_VBMI GGML_AVX512_VNNI GGML_AVX512_BF16)
    set(${v} ${avx512} PARENT_SCOPE)
  endforeach()
  set(GGML_NATIVE OFF PARENT_SCOPE)
endfunction()

function(_stream_tts_llama_from_source src)
  # Variables set here are seen by the subdirectory only (function scope): a static, library-only build.
  _stream_tts_llama_isa()
  set(BUILD_SHARED_LIBS OFF)
  set(LLAMA_BUILD_COMMON OFF)
  set(LLAMA_BUILD_TESTS OFF)
  set(LLAMA_BUILD_TOOLS OFF)
  set(LLAMA_BUILD_EXAMPLES OFF)
  set(LLAMA_BUILD_SERVER OFF)
  set(LLAMA_OPENSSL OFF)
  set(GGML_CUDA ${STREAM_TTS_CUDA})
  add_subdirectory(${src} ${CMAKE_BINARY_DIR}/_llama.cpp EXCLUDE_FROM_ALL SYSTEM)
endfunction()

if(STREAM_TTS_LLAMA)
  if(STREAM_TTS_LLAMA_SOURCE)
    if(NOT EXISTS "${STREAM_TTS_LLAMA_SOURCE}/include/llama.h")
      message(FATAL_ERROR "STREAM_TTS_LLAMA_SOURCE=${STREAM_TTS_LLAMA_SOURCE} is not a llama.cpp source tree")
    endif()
    _stream_tts_llama_from_source("${STREAM_TTS_LLAMA_SOURCE}")
    message(STATUS "llama.cpp: building from ${STREAM_TTS_LLAMA_SOURCE}")
  else()
    if(STREAM_TTS_LLAMA_DIR)
      find_package(llama CONFIG PATHS "${STREAM_TTS_LLAMA_DIR}" NO_DEFAULT_PATH)
    else()
      find_package(llama CONFIG)
    endif()
    if(NOT llama_FOUND)
      message(FATAL_ERROR
        "llama.cpp not found (STREAM_TTS_LLAMA_DIR=${STREAM_TTS_LLAMA_DIR}). Run scripts/fetch-llama.sh, "
        "or set STREAM_TTS_LLAMA_DIR / STREAM_TTS_LLAMA_SOURCE, or configure with -DSTREAM_TTS_LLAMA=OFF.")
    endif()
    message(STATUS "llama.cpp: ${llama_DIR} (version ${LLAMA_VERSION}, commit ${LLAMA_BUILD_COMMIT})")
  endif()
endif()
