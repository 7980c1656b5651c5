#pragma once
// One management API request -> one answer, independent of HTTP and TLS (https_server.hpp carries them):
// route, role check (403 with the reason, audited), the configuration version as ETag and If-Match
// (optimistic concurrency), the section rules of local-admin and dpo, then the same torwartd operation the
// local socket calls (request_handler.hpp), whose errors become HTTP statuses.
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/management_api/api_routes.hpp"
#include "controlplane/management_api/client_identity.hpp"
#include "controlplane/torwartd/service.hpp"

namespace torwart::controlplane::api {

struct ApiRequest {
  std::string method;
  std::string target;    // path and query, as sent
  std::string if_match;  // the If-Match header, "" when absent
  std::string body;
};

struct ApiResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string etag;   // set when the answer reports the configuration version
  std::string allow;  // 405: the methods the path has
};

// `"v12"`: the ETag of configuration version 12 (the empty store is "v0").
std::string etag_of(uint64_t version);

// The audit log's name for the client: CN, via "api", role and certificate.
Author author_of(const ClientIdentity& identity);

class ApiHandler {
 public:
  ApiHandler(ControlService& service, std::string openapi_document);

  // Never throws.
  ApiResponse handle(const ApiRequest& request, const ClientIdentity& identity);

  // Answers by status class, for /metrics and status.
  const std::map<unsigned, uint64_t>& answers() const { return answers_; }
  uint64_t refusals() const { return refusals_; }

 private:
  ApiResponse dispatch(const ApiRequest& request, const ClientIdentity& identity);
  ApiResponse metrics();
  ApiResponse refuse(const Author& who, const std::string& action, const std::string& reason);

  ControlService& service_;
  std::string openapi_document_;
  std::map<unsigned, uint64_t> answers_;
  uint64_t refusals_ = 0;
};

}  // namespace torwart::controlplane::api
