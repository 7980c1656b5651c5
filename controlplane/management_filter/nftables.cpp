#include "controlplane/management_filter/nftables.hpp"

#include <nftables/libnftables.h>

namespace torwart::controlplane::management_filter {

Nftables::Nftables() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (ctx_ == nullptr) throw NftError("libnftables: cannot make a context");
  nft_ctx_buffer_output(ctx_);
  nft_ctx_buffer_error(ctx_);
}

Nftables::~Nftables() {
  nft_ctx_free(ctx_);
}

void Nftables::run(const std::string& commands) {
  nft_ctx_output_set_flags(ctx_, 0);
  if (nft_run_cmd_from_buffer(ctx_, commands.c_str()) != 0) {
    std::string error = nft_ctx_get_error_buffer(ctx_);
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    throw NftError("nftables: " + (error.empty() ? std::string("refused") : error));
  }
  nft_ctx_get_output_buffer(ctx_);  // drained, so that the next command's output stands alone
}

nlohmann::json Nftables::list(const std::string& command) {
  nft_ctx_output_set_flags(ctx_, NFT_CTX_OUTPUT_JSON);
  const int rc = nft_run_cmd_from_buffer(ctx_, command.c_str());
  const std::string output = nft_ctx_get_output_buffer(ctx_);
  nft_ctx_output_set_flags(ctx_, 0);
  if (rc != 0) throw NftError("nftables: " + std::string(nft_ctx_get_error_buffer(ctx_)));
  return nlohmann::json::parse(output, nullptr, false);
}

}  // namespace torwart::controlplane::management_filter
