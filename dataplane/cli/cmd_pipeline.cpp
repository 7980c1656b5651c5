#include <iostream>

#include "dataplane/cli/commands.hpp"
#include "dataplane/pipeline/pipeline.hpp"

namespace torwart::cli {

int cmd_pipeline() {
  std::cout << dataplane::pipeline_description();
  return kExitOk;
}

}  // namespace torwart::cli
