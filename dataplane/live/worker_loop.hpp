#pragma once
#include <vector>

#include "dataplane/live/shared_state.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane::live {

struct WorkerPlan {
  unsigned id = 0;
  std::vector<RxAssignment> rx;
  WorkerContext* context = nullptr;
};

// The body of a worker lcore: rx -> parse -> (hand-off) -> pipeline, until shared.stop.
int worker_main(SharedState& shared, WorkerPlan& plan);

}  // namespace torwart::dataplane::live
