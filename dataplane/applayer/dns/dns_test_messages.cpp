#include "dataplane/applayer/dns/dns_test_messages.hpp"

namespace torwart::dataplane::applayer::dns::test {

DnsBuilder& DnsBuilder::header(uint16_t id, uint16_t flags, uint16_t questions, uint16_t answers,
                               uint16_t authorities, uint16_t additionals) {
  return u16(id).u16(flags).u16(questions).u16(answers).u16(authorities).u16(additionals);
}

DnsBuilder& DnsBuilder::labels(std::string_view dotted) {
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    u8(static_cast<uint8_t>(label.size()));
    for (const char c : label) u8(static_cast<uint8_t>(c));
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  return *this;
}

DnsBuilder& DnsBuilder::name(std::string_view dotted) {
  return labels(dotted).u8(0);
}

DnsBuilder& DnsBuilder::pointer(uint16_t offset) {
  return u16(static_cast<uint16_t>(0xc000 | offset));
}

DnsBuilder& DnsBuilder::u8(uint8_t v) {
  bytes.push_back(v);
  return *this;
}

DnsBuilder& DnsBuilder::u16(uint16_t v) {
  return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v));
}

DnsBuilder& DnsBuilder::u32(uint32_t v) {
  return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v));
}

DnsBuilder& DnsBuilder::raw(std::span<const uint8_t> b) {
  bytes.insert(bytes.end(), b.begin(), b.end());
  return *this;
}

DnsBuilder& DnsBuilder::question(std::string_view dotted, uint16_t type, uint16_t qclass) {
  return name(dotted).u16(type).u16(qclass);
}

DnsBuilder& DnsBuilder::record(std::string_view dotted, uint16_t type, uint32_t ttl) {
  name(dotted).u16(type).u16(1).u32(ttl);
  rdlength_at_ = bytes.size();
  return u16(0);
}

DnsBuilder& DnsBuilder::record_at(uint16_t owner_pointer, uint16_t type, uint32_t ttl) {
  pointer(owner_pointer).u16(type).u16(1).u32(ttl);
  rdlength_at_ = bytes.size();
  return u16(0);
}

DnsBuilder& DnsBuilder::end_rdata() {
  const size_t length = bytes.size() - rdlength_at_ - 2;
  bytes[rdlength_at_] = static_cast<uint8_t>(length >> 8);
  bytes[rdlength_at_ + 1] = static_cast<uint8_t>(length);
  return *this;
}

DnsBuilder& DnsBuilder::opt(uint16_t udp_size, uint8_t extended_rcode, uint8_t version, bool dnssec_ok) {
  return u8(0)
      .u16(dns_type::kOpt)
      .u16(udp_size)
      .u8(extended_rcode)
      .u8(version)
      .u16(dnssec_ok ? 0x8000 : 0)
      .u16(0);
}

std::vector<uint8_t> DnsBuilder::framed() const {
  // Written as a copy with the prefix patched in: g++ 12 warns wrongly about inserting into a 2-byte vector.
  std::vector<uint8_t> out(bytes.size() + 2);
  out[0] = static_cast<uint8_t>(bytes.size() >> 8);
  out[1] = static_cast<uint8_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), out.begin() + 2);
  return out;
}

std::vector<uint8_t> make_query(uint16_t id, std::string_view name, uint16_t type) {
  DnsBuilder b;
  b.header(id, 0x0100, 1, 0, 0, 0).question(name, type);
  return b.bytes;
}

std::vector<uint8_t> make_cname_response(uint16_t id, std::string_view name) {
  DnsBuilder b;
  b.header(id, 0x8180, 1, 2, 0, 0).question(name, dns_type::kA);
  b.record_at(12, dns_type::kCname, 300);
  const auto target = b.size();
  b.name("www.example.net").end_rdata();
  b.record_at(target, dns_type::kA, 60).u8(192).u8(0).u8(2).u8(1).end_rdata();
  return b.bytes;
}

std::string summarise(const DnsMessage& m) {
  std::string s = "id=" + std::to_string(m.header.id) + " flags=" + std::to_string(m.header.flags) +
                  " rcode=" + std::to_string(m.rcode()) + (m.incomplete ? " incomplete" : "") +
                  " full=" + std::to_string(m.full_length) + " trailing=" + std::to_string(m.trailing_bytes);
  for (size_t i = 0; i < m.question_stored; ++i) {
    s += " q:" + std::string(m.questions[i].name.view()) + "/" + std::to_string(m.questions[i].type);
  }
  const auto records = [&s](const char* tag, const DnsRecord* r, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      s += std::string(" ") + tag + ":" + std::string(r[i].name.view()) + "/" + std::to_string(r[i].type) +
           "/" + std::to_string(r[i].ttl) + "=" + std::string(r[i].rdata.view());
    }
  };
  records("an", m.answers, m.answer_stored);
  records("ns", m.authorities, m.authority_stored);
  records("ar", m.additionals, m.additional_stored);
  s += " cut=" + std::to_string(m.questions_cut) + "," + std::to_string(m.answers_cut) + "," +
       std::to_string(m.authorities_cut) + "," + std::to_string(m.additionals_cut);
  return s;
}

}  // namespace torwart::dataplane::applayer::dns::test
