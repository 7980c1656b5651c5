# Fuzz targets: built with clang-14 and libFuzzer (the project's own compiler is g++), with ASan and UBSan.
# torwart_add_fuzz_target(NAME <name> SOURCES <files...> CORPUS <dir> [LIBS <linker arguments...>])
#   builds build/fuzz/<name> from SOURCES (paths relative to the calling CMakeLists.txt; DPDK-free code only)
#   and registers the test fuzz.<name>: every file of CORPUS run once under the sanitizers, then a short
#   random run (TORWART_FUZZ_RUNS inputs) from that corpus. A crash, leak or sanitizer report fails the test.
#   LIBS (optional) are appended to the link command, e.g. `LIBS -lcrypto`.
# Fuzz longer by hand: build/fuzz/<name> -max_total_time=600 <a copy of the corpus dir>.
find_program(TORWART_CLANGXX clang++-14)
set(TORWART_FUZZ_RUNS 20000 CACHE STRING "random inputs each fuzz test runs after its corpus")
# A fixed seed makes the test's random inputs the same on every run: a CI failure can be reproduced, and a
# finding by the random part cannot come and go between runs of the same commit. Fuzz by hand for new inputs.
set(TORWART_FUZZ_SEED 1 CACHE STRING "libFuzzer -seed of the fuzz tests' random run")
if(TORWART_CLANGXX AND EXISTS "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a")
  set(TORWART_FUZZ_AVAILABLE ON)
else()
  set(TORWART_FUZZ_AVAILABLE OFF)
  message(WARNING "clang++-14 with libFuzzer (libclang-rt-14-dev) not found: fuzz targets are not built")
endif()

function(torwart_add_fuzz_target)
  cmake_parse_arguments(FUZZ "" "NAME;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT TORWART_FUZZ_AVAILABLE)
    return()
  endif()
  set(sources "")
  foreach(source IN LISTS FUZZ_SOURCES)
    list(APPEND sources "${CMAKE_CURRENT_SOURCE_DIR}/${source}")
  endforeach()
  set(output "${PROJECT_BINARY_DIR}/fuzz/${FUZZ_NAME}")
  add_custom_command(OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/fuzz"
    COMMAND ${TORWART_CLANGXX} -std=c++20 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
            -I${PROJECT_SOURCE_DIR} ${sources} ${FUZZ_LIBS} -o "${output}"
    DEPENDS ${sources}
    IMPLICIT_DEPENDS CXX ${sources}
    COMMENT "Building fuzz target ${FUZZ_NAME} (clang-14, libFuzzer, ASan/UBSan)"
    VERBATIM)
  add_custom_target(fuzz_${FUZZ_NAME} ALL DEPENDS "${output}")
  set(corpus "${CMAKE_CURRENT_SOURCE_DIR}/${FUZZ_CORPUS}")
  # libFuzzer writes new inputs into the first corpus directory: give it a scratch one, read the committed one.
  add_test(NAME fuzz.${FUZZ_NAME}
    COMMAND sh -c "rm -rf \"$1\" && mkdir -p \"$1\" && \"$0\" -runs=$2 -seed=$4 -max_len=65536 \"$1\" \"$3\""
            "${output}" "${PROJECT_BINARY_DIR}/fuzz/${FUZZ_NAME}.scratch" "${TORWART_FUZZ_RUNS}" "${corpus}"
            "${TORWART_FUZZ_SEED}")
  set_tests_properties(fuzz.${FUZZ_NAME} PROPERTIES TIMEOUT 300 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()
