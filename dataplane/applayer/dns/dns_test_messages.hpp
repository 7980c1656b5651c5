#pragma once
// Building DNS messages byte by byte for the tests.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/applayer/dns/dns_message.hpp"

namespace torwart::dataplane::applayer::dns::test {

class DnsBuilder {
 public:
  DnsBuilder& header(uint16_t id, uint16_t flags, uint16_t questions, uint16_t answers, uint16_t authorities,
                     uint16_t additionals);
  // Uncompressed labels of a dotted name, ending with the root ("" is the root alone).
  DnsBuilder& name(std::string_view dotted);
  // Labels without the root, for names that end in a pointer.
  DnsBuilder& labels(std::string_view dotted);
  DnsBuilder& pointer(uint16_t offset);
  DnsBuilder& u8(uint8_t v);
  DnsBuilder& u16(uint16_t v);
  DnsBuilder& u32(uint32_t v);
  DnsBuilder& raw(std::span<const uint8_t> b);
  DnsBuilder& question(std::string_view dotted, uint16_t type, uint16_t qclass = 1);
  // Owner, type, class IN, TTL, and RDLENGTH; the caller writes the RDATA and closes it with end_rdata().
  DnsBuilder& record(std::string_view dotted, uint16_t type, uint32_t ttl);
  DnsBuilder& record_at(uint16_t owner_pointer, uint16_t type, uint32_t ttl);
  DnsBuilder& end_rdata();
  DnsBuilder& opt(uint16_t udp_size, uint8_t extended_rcode, uint8_t version, bool dnssec_ok);

  uint16_t size() const { return static_cast<uint16_t>(bytes.size()); }
  std::span<const uint8_t> span() const { return bytes; }
  // The message behind a DNS-over-TCP length prefix.
  std::vector<uint8_t> framed() const;

  std::vector<uint8_t> bytes;

 private:
  size_t rdlength_at_ = 0;
};

// A recursive query: one question, RD set.
std::vector<uint8_t> make_query(uint16_t id, std::string_view name, uint16_t type);

// A response to make_query(): CNAME to "www.example.net", then A 192.0.2.1 for it, both compressed.
std::vector<uint8_t> make_cname_response(uint16_t id, std::string_view name);

// What the tests compare across feeds: the fields of a message that matter, as text.
std::string summarise(const DnsMessage& message);

}  // namespace torwart::dataplane::applayer::dns::test
