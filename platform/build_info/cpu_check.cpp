// The build uses x86-64-v3 (AVX2, BMI2, FMA, MOVBE). On an older CPU the first such instruction would end
// the process with SIGILL and no word of why, so this file is compiled for plain x86-64 and checks the CPU
// before any other initialiser of the program runs.
#include <unistd.h>

#include <cstdio>

namespace {

[[gnu::constructor(101)]] void refuse_cpus_without_x86_64_v3() {
  __builtin_cpu_init();
  const char* missing = nullptr;
  if (!__builtin_cpu_supports("avx2"))
    missing = "AVX2";
  else if (!__builtin_cpu_supports("bmi2"))
    missing = "BMI2";
  else if (!__builtin_cpu_supports("fma"))
    missing = "FMA";
  else if (!__builtin_cpu_supports("movbe"))
    missing = "MOVBE";
  if (missing == nullptr) return;
  std::fprintf(stderr,
               "torwart: this CPU lacks %s; this build needs an x86-64-v3 CPU (AVX2, BMI2, FMA, MOVBE: Intel "
               "Haswell, AMD Excavator or later). Rebuild with -DTORWART_MARCH=x86-64 for older CPUs.\n",
               missing);
  _exit(1);
}

}  // namespace
