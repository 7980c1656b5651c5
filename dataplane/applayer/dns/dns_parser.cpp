#include "dataplane/applayer/dns/dns_parser.hpp"

#include "dataplane/applayer/dns/dns_name_reader.hpp"
#include "dataplane/applayer/dns/dns_rdata.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kRecordFixedBytes = 10;  // type, class, TTL, RDLENGTH

uint16_t load16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

uint32_t load32(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint32_t>(load16(m, at)) << 16 | load16(m, at + 2);
}

enum class Step : uint8_t { kOk, kEndOfPrefix, kFault };

enum class Section : uint8_t { kAnswer, kAuthority, kAdditional };

class MessageParser {
 public:
  MessageParser(std::span<const uint8_t> bytes, bool prefix_only, DnsMessage& message)
      : bytes_(bytes), prefix_only_(prefix_only), message_(message) {}

  Step run() {
    pos_ = kHeaderBytes;
    const DnsHeader& h = message_.header;
    Step step = Step::kOk;
    for (uint32_t i = 0; i < h.question_count && step == Step::kOk; ++i) step = question();
    for (uint32_t i = 0; i < h.answer_count && step == Step::kOk; ++i) step = record(Section::kAnswer);
    for (uint32_t i = 0; i < h.authority_count && step == Step::kOk; ++i) step = record(Section::kAuthority);
    for (uint32_t i = 0; i < h.additional_count && step == Step::kOk; ++i)
      step = record(Section::kAdditional);
    return step;
  }

  size_t position() const { return pos_; }
  DnsAnomaly anomaly() const { return anomaly_; }

 private:
  Step fault(DnsAnomalyReason reason, size_t offset) {
    anomaly_ = {reason, static_cast<uint16_t>(offset)};
    return Step::kFault;
  }

  // Running out of held bytes is the end of a prefix, or a fault in a whole message.
  Step out_of_bytes(DnsAnomalyReason reason, size_t offset) {
    return prefix_only_ ? Step::kEndOfPrefix : fault(reason, offset);
  }

  Step name(DnsName& out) {
    const DnsNameRead read = read_dns_name(bytes_, pos_, bytes_.size(), out);
    if (read.reason == DnsAnomalyReason::kNone) {
      if (out.truncated) message_.text_truncated = true;
      pos_ = read.end;
      return Step::kOk;
    }
    if (read.ran_past_limit) return out_of_bytes(read.reason, read.fault_offset);
    return fault(read.reason, read.fault_offset);
  }

  Step question() {
    if (pos_ >= bytes_.size()) return out_of_bytes(DnsAnomalyReason::kCountsBeyondMessage, pos_);
    DnsQuestion& q = message_.question_stored < kDnsMaxQuestions
                         ? message_.questions[message_.question_stored]
                         : scratch_question_;
    const size_t start = pos_;
    if (const Step step = name(q.name); step != Step::kOk) return step;
    if (pos_ + 4 > bytes_.size()) return out_of_bytes(DnsAnomalyReason::kRecordOutOfBounds, start);
    q.type = load16(bytes_, pos_);
    q.qclass = load16(bytes_, pos_ + 2);
    pos_ += 4;
    if (&q == &scratch_question_) {
      ++message_.questions_cut;
    } else {
      ++message_.question_stored;
    }
    return Step::kOk;
  }

  DnsRecord& slot(Section section) {
    switch (section) {
      case Section::kAnswer:
        if (message_.answer_stored < kDnsMaxAnswers) return message_.answers[message_.answer_stored];
        break;
      case Section::kAuthority:
        if (message_.authority_stored < kDnsMaxAuthorities)
          return message_.authorities[message_.authority_stored];
        break;
      case Section::kAdditional:
        if (message_.additional_stored < kDnsMaxAdditionals) {
          return message_.additionals[message_.additional_stored];
        }
        break;
    }
    return scratch_record_;
  }

  void keep(Section section, const DnsRecord& r) {
    const bool stored = &r != &scratch_record_;
    switch (section) {
      case Section::kAnswer:
        stored ? ++message_.answer_stored : ++message_.answers_cut;
        break;
      case Section::kAuthority:
        stored ? ++message_.authority_stored : ++message_.authorities_cut;
        break;
      case Section::kAdditional:
        stored ? ++message_.additional_stored : ++message_.additionals_cut;
        break;
    }
  }

  Step opt(Section section, const DnsRecord& r, size_t start) {
    if (section != Section::kAdditional || message_.edns.present || !r.name.empty() || bytes_[start] != 0) {
      return fault(DnsAnomalyReason::kBadOpt, start);
    }
    DnsEdns& e = message_.edns;
    e.present = true;
    e.udp_payload_size = r.rclass;
    e.extended_rcode_high = static_cast<uint8_t>(r.ttl >> 24);
    e.version = static_cast<uint8_t>(r.ttl >> 16);
    e.dnssec_ok = (r.ttl & 0x8000) != 0;
    e.options_length = r.rdata_length;
    return Step::kOk;
  }

  Step record(Section section) {
    if (pos_ >= bytes_.size()) return out_of_bytes(DnsAnomalyReason::kCountsBeyondMessage, pos_);
    DnsRecord& r = slot(section);
    const size_t start = pos_;
    if (const Step step = name(r.name); step != Step::kOk) return step;
    if (pos_ + kRecordFixedBytes > bytes_.size())
      return out_of_bytes(DnsAnomalyReason::kRecordOutOfBounds, start);
    r.type = load16(bytes_, pos_);
    r.rclass = load16(bytes_, pos_ + 2);
    r.ttl = load32(bytes_, pos_ + 4);
    r.rdata_length = load16(bytes_, pos_ + 8);
    pos_ += kRecordFixedBytes;
    const size_t rdata_start = pos_;
    if (rdata_start + r.rdata_length > bytes_.size()) {
      return out_of_bytes(DnsAnomalyReason::kRdataOutOfBounds, rdata_start - 2);
    }
    pos_ += r.rdata_length;
    if (r.type == dns_type::kOpt) {
      r.rdata.clear();
      r.rdata_decoded = false;
      return opt(section, r, start);
    }
    size_t fault_offset = rdata_start;
    const DnsAnomalyReason reason = decode_dns_rdata(bytes_, rdata_start, r, fault_offset);
    if (reason != DnsAnomalyReason::kNone) return fault(reason, fault_offset);
    if (r.rdata.truncated) message_.text_truncated = true;
    keep(section, r);
    return Step::kOk;
  }

  std::span<const uint8_t> bytes_;
  bool prefix_only_;
  DnsMessage& message_;
  size_t pos_ = 0;
  DnsAnomaly anomaly_;
  DnsQuestion scratch_question_;
  DnsRecord scratch_record_;
};

void reset(DnsMessage& m) {
  m.header = {};
  m.edns = {};
  m.question_stored = m.answer_stored = m.authority_stored = m.additional_stored = 0;
  m.questions_cut = m.answers_cut = m.authorities_cut = m.additionals_cut = 0;
  m.text_truncated = false;
  m.incomplete = false;
  m.full_length = 0;
  m.trailing_bytes = 0;
}

bool parse(std::span<const uint8_t> bytes, bool prefix_only, uint16_t full_length, DnsMessage& message,
           DnsAnomaly& anomaly) {
  reset(message);
  anomaly = {};
  message.full_length = full_length;
  if (bytes.size() < kHeaderBytes) {
    anomaly = {DnsAnomalyReason::kShortHeader, 0};
    return false;
  }
  DnsHeader& h = message.header;
  h.id = load16(bytes, 0);
  h.flags = load16(bytes, 2);
  h.question_count = load16(bytes, 4);
  h.answer_count = load16(bytes, 6);
  h.authority_count = load16(bytes, 8);
  h.additional_count = load16(bytes, 10);
  MessageParser parser(bytes, prefix_only, message);
  const Step step = parser.run();
  if (step == Step::kFault) {
    anomaly = parser.anomaly();
    return false;
  }
  message.incomplete = step == Step::kEndOfPrefix;
  if (!message.incomplete) message.trailing_bytes = static_cast<uint16_t>(full_length - parser.position());
  return true;
}

}  // namespace

bool dns_parse_message(std::span<const uint8_t> bytes, DnsMessage& message, DnsAnomaly& anomaly) {
  if (bytes.size() > 0xffff) bytes = bytes.first(0xffff);  // the most a DNS message can be (TCP prefix)
  return parse(bytes, false, static_cast<uint16_t>(bytes.size()), message, anomaly);
}

bool dns_parse_message_prefix(std::span<const uint8_t> prefix, uint16_t full_length, DnsMessage& message,
                              DnsAnomaly& anomaly) {
  if (prefix.size() > full_length) prefix = prefix.first(full_length);
  return parse(prefix, prefix.size() < full_length, full_length, message, anomaly);
}

}  // namespace torwart::dataplane::applayer::dns
