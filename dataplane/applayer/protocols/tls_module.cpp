// TLS (tls/): the SNI is a fact as soon as the ClientHello is complete; the `tls` record is written once the
// handshake is over (or when the flow ends first); the session goes once both directions are encrypted.
#include <new>

#include "dataplane/applayer/protocols/context.hpp"
#include "dataplane/applayer/protocols/eve_record.hpp"
#include "dataplane/applayer/protocols/modules.hpp"
#include "dataplane/applayer/tls/tls_eve.hpp"
#include "dataplane/applayer/tls/tls_parser.hpp"

namespace torwart::dataplane::applayer {
namespace {

struct TlsSlot {
  tls::TlsFlowState state;
  bool record_written;
  bool server_buffers_given;  // the server's hello (and certificate, when readable) went to the signatures
};
static_assert(sizeof(TlsSlot) <= kParserStateBytes);

TlsSlot& slot_of(Session& s) {
  return *std::launder(reinterpret_cast<TlsSlot*>(s.parser));
}
const TlsSlot& slot_of(const Session& s) {
  return *std::launder(reinterpret_cast<const TlsSlot*>(s.parser));
}

void write_record(TlsSlot& slot, AppCall& call) {
  if (slot.record_written) return;
  slot.record_written = true;
  write_app_record(call, EveKind::kTls, "tls",
                   [&](FixedJson& json) { tls::write_tls_eve(slot.state, json); });
}

void add_client_buffers(const tls::TlsFlowState& state, AppEvent& e) {
  if (!state.client_hello.sni.empty()) e.set(BufferId::kTlsSni, state.client_hello.sni.view());
  if (!state.fingerprints.ja3_md5.empty()) {
    e.set(BufferId::kJa3Hash, state.fingerprints.ja3_md5.view());
    e.set(BufferId::kJa3String, state.fingerprints.ja3.view());
  }
}

// The server's side: its hello's fingerprint and, when the certificate was readable (not TLS 1.3), its
// fields.
void give_server_buffers(TlsSlot& slot, AppCall& call) {
  if (slot.server_buffers_given) return;
  slot.server_buffers_given = true;
  if (!call.hooks.wants_events()) return;
  const tls::TlsFlowState& state = slot.state;
  AppEvent e;
  e.phase = Phase::kTlsServerHello;
  e.direction = Direction::kToClient;
  add_client_buffers(state, e);
  if (!state.fingerprints.ja3s_md5.empty()) {
    e.set(BufferId::kJa3sHash, state.fingerprints.ja3s_md5.view());
    e.set(BufferId::kJa3sString, state.fingerprints.ja3s.view());
  }
  if (state.certificate_messages > 0) {
    const tls::CertificateInfo& c = state.certificate;
    e.set(BufferId::kTlsCertSubject, c.subject.view());
    e.set(BufferId::kTlsCertIssuer, c.issuer.view());
    e.set(BufferId::kTlsCertSerial, c.serial.view());
    e.set(BufferId::kTlsCertFingerprint, c.sha1.view());
  }
  call.event(e);
}

class Sink final : public tls::TlsSink {
 public:
  Sink(TlsSlot& slot, AppCall& call) : slot_(slot), call_(call) {}
  void on_client_hello(const tls::TlsFlowState& state) override {
    AppFacts& facts = call_.facts;
    if (!state.client_hello.sni.empty()) {
      facts.tls_sni.assign(state.client_hello.sni.view());
      facts.known |= fact::kTlsSni;
    }
    facts.known |= fact::kTlsHelloSeen;
    call_.decide();
    if (!call_.hooks.wants_events()) return;
    AppEvent e;
    e.phase = Phase::kTlsClientHello;
    e.direction = Direction::kToServer;
    add_client_buffers(state, e);
    call_.event(e);
  }
  void on_certificate(const tls::TlsFlowState&) override { give_server_buffers(slot_, call_); }
  void on_encrypted(const tls::TlsFlowState&, Direction from) override {
    if (from == Direction::kToClient) give_server_buffers(slot_, call_);
  }
  void on_handshake_done(const tls::TlsFlowState&) override {
    give_server_buffers(slot_, call_);
    write_record(slot_, call_);
  }
  void on_anomaly(const tls::TlsFlowState&, Direction, tls::TlsAnomaly anomaly) override {
    call_.anomaly(tls::tls_anomaly_name(anomaly));
  }

 private:
  TlsSlot& slot_;
  AppCall& call_;
};

void start(Session& s, ProtocolContext&) {
  new (s.parser) TlsSlot{};
}

void stream(Session& s, Direction d, std::span<const uint8_t> bytes, AppCall& call) {
  TlsSlot& slot = slot_of(s);
  Sink sink(slot, call);
  tls::tls_feed(slot.state, d, bytes, sink, call.context.tls);
}

bool finished(const Session& s) {
  const tls::TlsFlowState& state = slot_of(s).state;
  const bool stopped = state.side(Direction::kToServer).stopped && state.side(Direction::kToClient).stopped;
  return state.handshake_done || stopped;
}

void end(Session& s, AppCall& call) {
  TlsSlot& slot = slot_of(s);
  if (slot.state.client_hellos > 0) write_record(slot, call);
}

}  // namespace

const ProtocolModule kTlsModule{AppProto::kTls, true,     false, tls::probe_tls, nullptr, start,
                                stream,         finished, end,   nullptr};

}  // namespace torwart::dataplane::applayer
