// Frames from a port with role `mirror` (a switch's SPAN port, a TAP) are copies of traffic between other
// hosts: they are tracked as an IDS tracks (monitor_track.hpp), inspected by the application layer and the
// signatures with every verdict reduced to an alert, and then discarded: never routed, forwarded, answered
// or logged as drops.
#include "dataplane/pipeline/monitor_track.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {

void stage_mirror(WorkerContext& ctx, Burst& burst) {
  if (ctx.snapshot == nullptr || !ctx.snapshot->has_mirror_ports()) return;
  FlowEndLogger on_end(ctx);
  Burst mirrored;
  keep_if(burst, [&](rte_mbuf* m) {
    if (!ctx.snapshot->mirror_port(m->port)) return true;
    ++ctx.counters.mirrored_packets;
    if (track_monitored(ctx, m, true, on_end).fate != MonitorFate::kTracked) {
      ++ctx.counters.mirrored_untracked;
      rte_pktmbuf_free(m);
      return false;
    }
    mirrored.pkts[mirrored.count++] = m;
    return false;
  });
  if (mirrored.count == 0) return;
  ctx.monitoring = true;
  stage_applayer(ctx, mirrored);
  ctx.monitoring = false;
  if (mirrored.count > 0) rte_pktmbuf_free_bulk(mirrored.pkts.data(), mirrored.count);
  if (mirrored.dropped_count > 0) rte_pktmbuf_free_bulk(mirrored.dropped.data(), mirrored.dropped_count);
  if (mirrored.generated_count > 0)
    rte_pktmbuf_free_bulk(mirrored.generated.data(), mirrored.generated_count);
}

}  // namespace torwart::dataplane
