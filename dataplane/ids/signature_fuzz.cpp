// Fuzz target: a rule (the input's first line) parsed, compiled for the engine, and every compiled buffer
// program run on the rest of the input as its buffer, with and without a stream base offset. Neither a
// malformed rule nor any buffer may crash, hang (the step budget and the PCRE2 match limit bound the work)
// or read outside the buffer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/ids/compiled_signature.hpp"
#include "rules/signatures/signature_parser.hpp"

using namespace torwart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view rule = input.substr(0, newline);
  const std::string_view rest =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  auto parsed = signatures::parse_signature(rule, "fuzz.rules", 1);
  if (!parsed.ok()) return 0;
  static const signatures::Variables variables = signatures::Variables::suricata_defaults();
  dataplane::ids::FlowbitNames names;
  dataplane::ids::CompileRefusal refusal;
  const auto compiled =
      dataplane::ids::compile_signature(parsed.signature(), variables, nullptr, names, refusal);
  if (!compiled) return 0;
  static dataplane::ids::RegexMatcher regex;
  const std::span<const uint8_t> buffer(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  static uint8_t transformed[65536];
  for (const dataplane::ids::BufferSteps& b : compiled->buffers) {
    std::span<const uint8_t> data = buffer;
    if (!b.transforms.empty()) {
      const auto n = dataplane::ids::apply_transforms(b.transforms, buffer, transformed);
      if (!n) continue;
      data = {transformed, *n};
    }
    dataplane::ids::ByteVariables values;
    dataplane::ids::ProgramContext context{regex, values};
    (void)dataplane::ids::run_program(b.steps, data, context, 0);
    (void)dataplane::ids::run_program(b.steps, data, context, 1000);
  }
  return 0;
}
