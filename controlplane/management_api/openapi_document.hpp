#pragma once
// The committed OpenAPI 3 document (openapi.json), built into torwartd and served at /api/v1/openapi.json.
#include <string_view>

namespace torwart::controlplane::api {

std::string_view openapi_document();

}  // namespace torwart::controlplane::api
