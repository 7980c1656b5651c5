#include "controlplane/log_shipping/shipper.hpp"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "controlplane/log_shipping/cursor.hpp"
#include "controlplane/log_shipping/line_reader.hpp"
#include "controlplane/log_shipping/peer_name.hpp"
#include "controlplane/log_shipping/record_frame.hpp"
#include "controlplane/log_shipping/shipping_error.hpp"
#include "controlplane/log_shipping/stream_files.hpp"
#include "controlplane/log_shipping/syslog_format.hpp"
#include "controlplane/tls/tr02102_tls.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::size_t at(Stream s) {
  return static_cast<std::size_t>(s);
}

// One TLS connection; handlers hold it, so it outlives the Core's interest in it until they have run.
struct Connection {
  Connection(asio::io_context& io, asio::ssl::context tls) : context(std::move(tls)), stream(io, context) {}
  asio::ssl::context context;
  asio::ssl::stream<tcp::socket> stream;
};

// Why a handshake failed, with the certificate check's own reason when that was it.
std::string handshake_error(const boost::system::error_code& ec, SSL* ssl) {
  std::string why = ec.message();
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK)
    why += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
  return why;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

std::string shipping_hostname(const std::string& config_name) {
  if (header_field(config_name, 255) != "-") return config_name;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) return header_field(name, 255);
  return "-";
}

class Shipper::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::io_context& io, ShipperSettings settings, ShipperTuning tuning, EventSink events)
      : io_(io),
        settings_(std::move(settings)),
        tuning_(tuning),
        events_(std::move(events)),
        streams_{StreamFiles::single(settings_.audit_log), StreamFiles::single(settings_.system_log),
                 StreamFiles::spool(settings_.eve_dir)},
        resolver_(io),
        deadline_(io),
        retry_(io),
        tick_(io),
        backoff_(tuning.backoff_min) {
    enabled_[at(Stream::kAudit)] = settings_.siem.audit;
    enabled_[at(Stream::kSystem)] = settings_.siem.system;
    enabled_[at(Stream::kEve)] = settings_.siem.eve;
    frame_context_.hostname = header_field(settings_.hostname, 255);
    frame_context_.max_message_bytes = settings_.siem.max_message_bytes;
  }

  const ShipperSettings& settings() const { return settings_; }

  void start() {
    try {
      state_ = load_cursor(settings_.cursor_file);
    } catch (const ShippingError& e) {
      // Never start over by itself: that would ship the whole spool again, or skip what is unshipped.
      cursor_error_ = std::string(e.what()) +
                      "; shipping stopped: move the file aside to ship everything the "
                      "spool and the logs hold from their start";
      note_error(cursor_error_);
      report("error", "shipping_cursor_damaged", cursor_error_);
      return;
    }
    in_flight_.assign(state_.batches.size(), InFlight{});
    phase_ = Phase::kWaiting;
    schedule_tick();
    connect();
  }

  void stop() {
    if (phase_ == Phase::kStopped) return;
    phase_ = Phase::kStopped;
    close();
    resolver_.cancel();
    deadline_.cancel();
    retry_.cancel();
    tick_.cancel();
    if (dirty_) save();
  }

  json status() const {
    json out = {{"receiver", settings_.siem.host + ":" + std::to_string(settings_.siem.port)},
                {"connected", phase_ == Phase::kConnected},
                {"last_error", last_error_},
                {"last_error_time", last_error_time_},
                {"cursor_file", settings_.cursor_file.string()}};
    json streams = json::array();
    for (Stream s : kStreams)
      if (enabled_[at(s)]) streams.push_back(stream_name(s));
    out["streams"] = streams;
    if (!cursor_error_.empty()) return out;
    uint64_t in_flight_records = 0;
    for (const Batch& b : state_.batches) in_flight_records += b.records();
    out["connected_since"] = phase_ == Phase::kConnected ? connected_since_ : std::string();
    out["shipped"] = state_.shipped;
    out["sent_since_start"] = sent_since_start_;
    out["in_flight"] = {{"batches", state_.batches.size()}, {"records", in_flight_records}};
    out["pending_bytes"] = pending_bytes();
    out["lost_to_retention"] = state_.lost_to_retention;
    out["vanished_files"] = state_.vanished_files;
    out["truncated"] = state_.truncated;
    out["connections"] = connections_;
    json cursor = {{"next_seq", state_.next_seq}};
    for (Stream s : kStreams) {
      const Position& p = state_.confirmed[at(s)];
      cursor[std::string(stream_name(s))] = {{"file", p.file}, {"offset", p.offset}};
    }
    out["cursor"] = cursor;
    return out;
  }

  void before_removed(const std::filesystem::path& file) {
    if (!enabled_[at(Stream::kEve)] || !cursor_error_.empty() || phase_ == Phase::kStopped) return;
    try {
      struct stat st {};
      if (::stat(file.c_str(), &st) != 0) return;
      const auto files = streams_[at(Stream::kEve)].list();
      const Located frontier_at = locate(streams_[at(Stream::kEve)], files, frontier(Stream::kEve));
      for (std::size_t i = 0; i < files.size(); ++i) {
        if (files[i].inode != static_cast<uint64_t>(st.st_ino)) continue;
        removed_inodes_.insert(files[i].inode);
        if (i < frontier_at.index) return;  // every record of it was put into a batch
        const uint64_t lost = count_records(file, i == frontier_at.index ? frontier_at.offset : 0);
        if (lost == 0) return;
        state_.lost_to_retention += lost;
        dirty_ = true;
        report("warning", "shipping_lost_to_retention",
               std::to_string(lost) + " EVE records in " + file.filename().string() +
                   " were deleted by retention before they were shipped");
        return;
      }
    } catch (const ShippingError& e) {
      note_error(std::string("counting what retention deletes: ") + e.what());
    }
  }

 private:
  enum class Phase { kStopped, kWaiting, kConnecting, kConnected };
  struct InFlight {
    bool sent = false;
    uint64_t tcp_end = 0;  // TLS bytes written to the socket once the batch's last byte was
    std::optional<Clock::time_point> acked_at;
  };

  void report(std::string_view severity, std::string_view event, const std::string& text) {
    if (events_) events_(severity, event, text);
  }
  void note_error(const std::string& text) {
    last_error_ = text;
    last_error_time_ = utc_now();
  }

  std::string peer_name() const {
    return settings_.siem.server_name.empty() ? settings_.siem.host : settings_.siem.server_name;
  }
  std::string receiver() const { return settings_.siem.host + ":" + std::to_string(settings_.siem.port); }

  // --- connection -------------------------------------------------------------------------------------

  void connect() {
    phase_ = Phase::kConnecting;
    std::shared_ptr<Connection> c;
    try {
      // Read at every attempt: replaced certificates take effect at the next connection.
      const tls::TlsFiles files{settings_.siem.ca, settings_.siem.cert, settings_.siem.key,
                                settings_.siem.crl};
      c = std::make_shared<Connection>(io_, tls::make_client_context(files));
      expect_peer_name(c->stream.native_handle(), peer_name());
    } catch (const std::exception& e) {
      return fail(std::string("TLS set-up: ") + e.what());
    }
    conn_ = c;
    auto self = shared_from_this();
    deadline_.expires_after(tuning_.connect_timeout);
    deadline_.async_wait([self, c](boost::system::error_code ec) {
      if (!ec && c == self->conn_ && self->phase_ == Phase::kConnecting)
        self->fail(self->receiver() + ": no TLS connection within " +
                   std::to_string(self->tuning_.connect_timeout.count()) + " ms");
    });
    resolver_.async_resolve(
        settings_.siem.host, std::to_string(settings_.siem.port),
        [self, c](boost::system::error_code ec, tcp::resolver::results_type results) {
          if (c != self->conn_) return;
          if (ec) return self->fail("resolving " + self->settings_.siem.host + ": " + ec.message());
          asio::async_connect(
              c->stream.next_layer(), results, [self, c](boost::system::error_code ec2, auto) {
                if (c != self->conn_) return;
                if (ec2) return self->fail(self->receiver() + ": " + ec2.message());
                self->tune_socket(c->stream.next_layer().native_handle());
                c->stream.async_handshake(asio::ssl::stream_base::client, [self,
                                                                           c](boost::system::error_code ec3) {
                  if (c != self->conn_) return;
                  if (ec3)
                    return self->fail(self->receiver() +
                                      ": TLS handshake: " + handshake_error(ec3, c->stream.native_handle()));
                  self->on_connected();
                });
              });
        });
  }

  void tune_socket(int fd) {
    const int on = 1, idle = 30, interval = 10, count = 3;
    const unsigned timeout = tuning_.tcp_user_timeout_ms;
    // A receiver that vanishes without a FIN (a cut link) is noticed: unacknowledged data for
    // TCP_USER_TIMEOUT, or an idle connection whose keepalives go unanswered.
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }

  void on_connected() {
    phase_ = Phase::kConnected;
    deadline_.cancel();
    connected_since_ = utc_now();
    ++connections_;
    SSL* ssl = conn_->stream.native_handle();
    report(
        "info", "shipping_connected",
        "connected to " + receiver() + " (" + SSL_get_version(ssl) + ", " + SSL_get_cipher_name(ssl) + ")");
    last_reported_failure_.clear();
    for (auto& f : in_flight_) f = InFlight{};
    send_index_ = 0;
    writing_ = false;
    read_from(conn_);
    pump();
  }

  // RFC 5425 receivers send nothing; a read that ends is the receiver closing (or the connection breaking).
  void read_from(const std::shared_ptr<Connection>& c) {
    auto self = shared_from_this();
    c->stream.async_read_some(
        asio::buffer(read_buffer_), [self, c](boost::system::error_code ec, std::size_t) {
          if (c != self->conn_) return;
          if (ec) {
            const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
            return self->fail(self->receiver() +
                              (closed ? ": the receiver closed the connection" : ": " + ec.message()));
          }
          self->read_from(c);
        });
  }

  void close() {
    if (!conn_) return;
    boost::system::error_code ignored;
    conn_->stream.next_layer().close(ignored);
    conn_.reset();
  }

  void fail(const std::string& reason) {
    if (phase_ == Phase::kStopped) return;
    const bool was_connected = phase_ == Phase::kConnected;
    close();
    deadline_.cancel();
    for (auto& f : in_flight_) f = InFlight{};  // unconfirmed: all of it is sent again
    send_index_ = 0;
    writing_ = false;
    note_error(reason);
    if (was_connected) {
      report("warning", "shipping_disconnected", reason);
    } else if (reason != last_reported_failure_) {
      report("warning", "shipping_unreachable", reason);  // once per reason, not at every retry
    }
    last_reported_failure_ = reason;
    phase_ = Phase::kWaiting;
    retry_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, tuning_.backoff_max);
    auto self = shared_from_this();
    retry_.async_wait([self](boost::system::error_code ec) {
      if (!ec && self->phase_ == Phase::kWaiting) self->connect();
    });
  }

  // --- batches ------------------------------------------------------------------------------------------

  Position frontier(Stream s) const {
    return state_.batches.empty() ? state_.confirmed[at(s)] : state_.batches.back().ranges[at(s)].end;
  }
  uint64_t frontier_seq() const {
    return state_.batches.empty() ? state_.next_seq
                                  : state_.batches.back().first_seq + state_.batches.back().records();
  }

  // The frontier's file is gone: counted unless retention counted it or shipping had read all of it.
  void note_vanished(Stream s, const Position& from) {
    if (!vanished_seen_.insert(from.inode).second) return;
    if (removed_inodes_.count(from.inode) != 0) return;
    const auto seen = frontier_seen_[at(s)];
    if (seen.first == from.inode && seen.second == from.offset) return;  // it was read to its end
    ++state_.vanished_files;
    dirty_ = true;
    report("warning", "shipping_file_vanished",
           std::string(stream_name(s)) + ": " + from.file +
               " disappeared before it was shipped to its end (offset " + std::to_string(from.offset) +
               "); going on with the next file");
  }

  // Reads what is new after the frontier into a batch, writes it ahead into the cursor and formats it.
  bool create_batch(std::string& frames) {
    if (state_.batches.size() >= tuning_.max_batches_in_flight) return false;
    Batch batch;
    batch.first_seq = frontier_seq();
    uint64_t bytes_left = tuning_.batch_bytes;
    std::size_t records_left = tuning_.batch_records;
    bool full = false;
    std::array<Lines, 3> read;
    for (Stream s : kStreams) {
      const Position from = frontier(s);
      StreamRange& range = batch.ranges[at(s)];
      range.start = range.end = from;
      if (!enabled_[at(s)]) continue;
      const auto files = streams_[at(s)].list();
      const Located where = locate(streams_[at(s)], files, from);
      if (where.vanished) note_vanished(s, from);
      if (where.index >= files.size()) continue;
      frontier_seen_[at(s)] = {files[where.index].inode, files[where.index].size};
      range.start = range.end = position_at(files, where.index, where.offset);
      if (bytes_left == 0 || records_left == 0) continue;
      const bool closed = where.index + 1 < files.size();
      read[at(s)] = read_lines(files[where.index].path, files[where.index].inode, where.offset, closed,
                               {bytes_left, records_left});
      const Lines& lines = read[at(s)];
      if (lines.lines.empty()) continue;
      range.end = position_at(files, where.index, lines.end);
      range.records = lines.lines.size();
      const uint64_t taken = lines.end - where.offset;
      bytes_left -= std::min(bytes_left, taken);
      records_left -= lines.lines.size();
      full = full || bytes_left == 0 || records_left == 0;
    }
    if (batch.records() == 0) return false;
    if (!full && Clock::now() - last_batch_ < tuning_.min_batch_interval) return false;  // gather more
    state_.batches.push_back(batch);
    in_flight_.push_back(InFlight{});
    try {
      save();  // ahead: after a restart these records go out again with the numbers they had
    } catch (const ShippingError& e) {
      state_.batches.pop_back();
      in_flight_.pop_back();
      note_error(std::string("cursor not written, nothing sent: ") + e.what());
      return false;
    }
    last_batch_ = Clock::now();
    uint64_t seq = batch.first_seq;
    for (Stream s : kStreams)
      for (const Line& line : read[at(s)].lines)
        if (append_record_frame(frames, s, line, seq++, frame_context_)) {
          ++state_.truncated;
          dirty_ = true;
        }
    return true;
  }

  // A batch sent before, formatted again from the files (byte for byte what it was).
  void rebuild(const Batch& batch, std::string& frames) {
    uint64_t seq = batch.first_seq;
    for (Stream s : kStreams) {
      const StreamRange& range = batch.ranges[at(s)];
      if (range.records == 0) continue;
      const auto files = streams_[at(s)].list();
      const Located where = locate(streams_[at(s)], files, range.start);
      uint64_t found = 0;
      if (!where.vanished && where.index < files.size() && where.offset == range.start.offset) {
        const bool closed = where.index + 1 < files.size();
        const Lines lines =
            read_lines(files[where.index].path, files[where.index].inode, range.start.offset, closed,
                       {UINT64_MAX, static_cast<std::size_t>(range.records), range.end.offset});
        for (const Line& line : lines.lines)
          append_record_frame(frames, s, line, seq + found++, frame_context_);
      }
      if (found < range.records && lost_ranges_.insert({batch.first_seq, at(s)}).second) {
        const uint64_t lost = range.records - found;
        if (removed_inodes_.count(range.start.inode) != 0 || where.vanished) {
          state_.lost_to_retention += lost;
        }
        if (removed_inodes_.count(range.start.inode) == 0 && vanished_seen_.insert(range.start.inode).second)
          ++state_.vanished_files;
        dirty_ = true;
        report("warning", "shipping_lost",
               std::to_string(lost) + " " + std::string(stream_name(s)) + " records sent before (from " +
                   std::to_string(seq) + ") could not be sent again: " + range.start.file + " is gone");
      }
      seq += range.records;
    }
  }

  void pump() {
    if (phase_ != Phase::kConnected || writing_) return;
    auto frames = std::make_shared<std::string>();
    try {
      if (send_index_ < state_.batches.size()) {
        rebuild(state_.batches[send_index_], *frames);
      } else if (!create_batch(*frames)) {
        return;
      }
    } catch (const FileReplaced&) {
      return;  // rotated or removed while being read: again at the next tick, from a new listing
    } catch (const ShippingError& e) {
      note_error(e.what());  // a file that cannot be read now: tried again at the next tick
      return;
    }
    writing_ = true;
    auto self = shared_from_this();
    auto c = conn_;
    asio::async_write(c->stream, asio::buffer(*frames),
                      [self, c, frames](boost::system::error_code ec, std::size_t) {
                        if (c != self->conn_) return;
                        self->writing_ = false;
                        if (ec) return self->fail(self->receiver() + ": write: " + ec.message());
                        // Writes go one batch at a time, so this one was batch send_index_.
                        InFlight& f = self->in_flight_[self->send_index_];
                        f.sent = true;
                        f.tcp_end = BIO_number_written(SSL_get_wbio(c->stream.native_handle()));
                        self->sent_since_start_ += self->state_.batches[self->send_index_].records();
                        ++self->send_index_;
                        self->pump();
                      });
  }

  // --- acknowledgement and confirmation ------------------------------------------------------------------

  void schedule_tick() {
    auto self = shared_from_this();
    tick_.expires_after(tuning_.poll);
    tick_.async_wait([self](boost::system::error_code ec) {
      if (ec || self->phase_ == Phase::kStopped) return;
      self->on_tick();
      self->schedule_tick();
    });
  }

  void on_tick() {
    const auto now = Clock::now();
    if (phase_ == Phase::kConnected) {
      SSL* ssl = conn_->stream.native_handle();
      int unacknowledged = 0;
      // SIOCOUTQ: bytes in the send queue the peer has not acknowledged. BIO_number_written counts every
      // TLS byte handed to the socket, so the difference is what the receiver's TCP acknowledged.
      if (::ioctl(conn_->stream.next_layer().native_handle(), SIOCOUTQ, &unacknowledged) == 0) {
        const uint64_t written = BIO_number_written(SSL_get_wbio(ssl));
        const uint64_t acknowledged =
            written - std::min<uint64_t>(written, static_cast<uint64_t>(unacknowledged));
        for (std::size_t i = 0; i < send_index_; ++i)
          if (in_flight_[i].sent && !in_flight_[i].acked_at && in_flight_[i].tcp_end <= acknowledged)
            in_flight_[i].acked_at = now;
      }
      while (send_index_ > 0 && in_flight_.front().acked_at &&
             now - *in_flight_.front().acked_at >= tuning_.grace)
        confirm_front();
    }
    if (dirty_ && now - last_save_ >= tuning_.save_interval) {
      try {
        save();
      } catch (const ShippingError& e) {
        note_error(e.what());
      }
    }
    pump();
  }

  void confirm_front() {
    const Batch& b = state_.batches.front();
    for (Stream s : kStreams) state_.confirmed[at(s)] = b.ranges[at(s)].end;
    state_.next_seq = b.first_seq + b.records();
    state_.shipped += b.records();
    state_.batches.erase(state_.batches.begin());
    in_flight_.erase(in_flight_.begin());
    --send_index_;
    dirty_ = true;
    backoff_ = tuning_.backoff_min;  // the receiver takes records again
  }

  void save() {
    save_cursor(settings_.cursor_file, state_);
    dirty_ = false;
    last_save_ = Clock::now();
  }

  uint64_t pending_bytes() const {
    uint64_t pending = 0;
    for (Stream s : kStreams) {
      if (!enabled_[at(s)]) continue;
      try {
        const auto files = streams_[at(s)].list();
        const Located where = locate(streams_[at(s)], files, state_.confirmed[at(s)]);
        for (std::size_t i = where.index; i < files.size(); ++i)
          pending += files[i].size - (i == where.index ? std::min(where.offset, files[i].size) : 0);
      } catch (const ShippingError&) {
        // reported where shipping reads; status still answers
      }
    }
    return pending;
  }

  asio::io_context& io_;
  ShipperSettings settings_;
  ShipperTuning tuning_;
  EventSink events_;
  std::array<StreamFiles, 3> streams_;
  std::array<bool, 3> enabled_{};
  FrameContext frame_context_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_, retry_, tick_;
  std::chrono::milliseconds backoff_;

  Phase phase_ = Phase::kStopped;
  std::shared_ptr<Connection> conn_;
  std::array<char, 512> read_buffer_{};
  bool writing_ = false;
  std::size_t send_index_ = 0;  // batches written on this connection

  CursorState state_;
  std::vector<InFlight> in_flight_;  // beside state_.batches
  std::string cursor_error_;
  bool dirty_ = false;
  Clock::time_point last_save_{}, last_batch_{};

  std::set<uint64_t> removed_inodes_;  // retention's deletions (their unshipped records were counted)
  std::set<uint64_t> vanished_seen_;   // files counted as vanished
  std::set<std::pair<uint64_t, std::size_t>> lost_ranges_;        // (batch, stream) counted as lost
  std::array<std::pair<uint64_t, uint64_t>, 3> frontier_seen_{};  // inode, size of the frontier's file

  std::string last_error_, last_error_time_, connected_since_, last_reported_failure_;
  uint64_t sent_since_start_ = 0, connections_ = 0;
};

Shipper::Shipper(boost::asio::io_context& io, ShipperSettings settings, ShipperTuning tuning,
                 EventSink events)
    : core_(std::make_shared<Core>(io, std::move(settings), tuning, std::move(events))) {
  core_->start();
}

Shipper::~Shipper() {
  try {
    core_->stop();
  } catch (const std::exception&) {
    // the cursor could not be written: the records since the last write are sent again after the restart
  }
}

const ShipperSettings& Shipper::settings() const {
  return core_->settings();
}
nlohmann::json Shipper::status() const {
  return core_->status();
}
void Shipper::before_spool_file_removed(const std::filesystem::path& file) {
  core_->before_removed(file);
}

}  // namespace torwart::controlplane::log_shipping
