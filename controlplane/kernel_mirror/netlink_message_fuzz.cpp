// libFuzzer: any bytes as one receive buffer of netlink messages, parsed and applied to a table that watches
// the interfaces the corpus names. Nothing may crash, leak or trip the sanitizers; the table stays within its
// limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "controlplane/kernel_mirror/mirror_table.hpp"
#include "controlplane/kernel_mirror/netlink_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torwart::controlplane;
  // The socket's buffer is aligned; so is this copy (a vector's storage is).
  std::vector<std::byte> buffer(size);
  if (size > 0) std::memcpy(buffer.data(), data, size);
  MirrorStatistics statistics;
  const MirrorLimits limits{8, 8, 4};
  MirrorTable table({"lan", "kdn", "inet"}, limits, statistics);
  for_each_netlink_message(buffer, [&](const ParsedMessage& message) { table.apply(message.change); });
  const KernelState& state = table.state();
  if (state.routes.size() > limits.max_routes || state.neighbours.size() > limits.max_neighbours)
    std::abort();
  return 0;
}
