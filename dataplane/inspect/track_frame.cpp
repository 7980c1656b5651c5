#include "dataplane/inspect/track_frame.hpp"

#include <cstring>
#include <stdexcept>

#include "dataplane/pipeline/monitor_track.hpp"

namespace torwart::dataplane::inspect {

TrackedFrame track_frame(WorkerContext& ctx, std::span<const uint8_t> frame,
                         const ParseOptions& parse_options, bool midstream, FlowEndLogger& on_end,
                         Burst& burst) {
  TrackedFrame result;
  rte_mbuf* m = rte_pktmbuf_alloc(ctx.pool);
  if (m == nullptr) throw std::runtime_error("out of packet buffers");
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
  m->port = 0;
  burst.pkts[0] = m;
  burst.count = 1;
  stage_parse(burst, parse_options);
  if (burst.count == 0) {
    result.fate = MonitorFate::kMalformed;
    result.malformed_reason = meta_of(burst.dropped[0]).drop_reason;
    rte_pktmbuf_free_bulk(burst.dropped.data(), burst.dropped_count);
    burst.reset_side_lists();
    return result;
  }
  const MonitorTrack tracked = track_monitored(ctx, m, midstream, on_end);
  result.new_flow = tracked.new_flow;
  result.fate = tracked.fate;
  if (tracked.fate == MonitorFate::kTracked) return result;
  rte_pktmbuf_free(m);
  burst.count = 0;
  return result;
}

void discard_forwarded(Burst& burst) {
  if (burst.count > 0) rte_pktmbuf_free_bulk(burst.pkts.data(), burst.count);
  burst.count = 0;
  if (burst.generated_count > 0) rte_pktmbuf_free_bulk(burst.generated.data(), burst.generated_count);
  burst.generated_count = 0;
}

}  // namespace torwart::dataplane::inspect
