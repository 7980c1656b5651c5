#pragma once
// The application layer speaks of protocols in the policy language's vocabulary (rules/app_protocols/).
#include "rules/app_protocols/app_proto.hpp"

namespace torwart::dataplane::applayer {

using app_protocols::app_proto_from_name;
using app_protocols::app_proto_name;
using app_protocols::AppProto;
using app_protocols::identified_by_torwart;
using app_protocols::well_known_service;

}  // namespace torwart::dataplane::applayer
