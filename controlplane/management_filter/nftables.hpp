#pragma once
// nftables through Debian's libnftables (the library behind `nft`): commands in, errors and JSON out.
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

struct nft_ctx;

namespace torwart::controlplane::management_filter {

struct NftError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Nftables {
 public:
  Nftables();
  ~Nftables();
  Nftables(const Nftables&) = delete;
  Nftables& operator=(const Nftables&) = delete;

  // Runs the commands as one transaction (all or nothing); throws NftError with nft's own message.
  void run(const std::string& commands);
  // A `list ...` command's answer in nft's JSON form.
  nlohmann::json list(const std::string& command);

 private:
  nft_ctx* ctx_;
};

}  // namespace torwart::controlplane::management_filter
