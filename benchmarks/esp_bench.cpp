// esp_bench: ESP tunnel mode (dataplane/ipsec, rte_ipsec on crypto_aesni_gcm CPU-crypto sessions) per core,
// each figure next to the bare AES-256-GCM it is built on, in the same run on the same core:
//
//   esp encrypt   encapsulate() on bursts of 32 inner IPv4 packets (outer IPv4, one SA)
//   gcm encrypt   rte_cryptodev_sym_cpu_crypto_process on the same mbufs, same key, the same byte counts
//                 (inner packet + ESP trailer, 8-byte AAD, 16-byte ICV): the crypto alone
//   esp decrypt   decapsulate() on bursts of 32 ESP packets (lookup, checks, decrypt, strip)
//   gcm decrypt   the bare cipher on the same ciphertexts
//   openssl       EVP AES-256-GCM in this thread on the same sizes, per packet (key schedule reused)
//   2 workers     one outbound SA encrypted on two lcores at once (atomic sequence numbers)
//
// Both encrypt loops rewrite each mbuf's first 64 bytes and lengths per burst (the stand-in for a NIC's DMA,
// as torwart_bench does); both decrypt loops copy the whole ESP packet back (decryption works in place).
// Runs of the loops are interleaved. Figures: Mpps, Gbit/s of inner (plaintext) packets, TSC cycles/packet,
// and ESP's packet rate as a share of the bare cipher's. benchmarks/README.md "ESP".
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <CLI/CLI.hpp>

#include "dataplane/ipsec/esp.hpp"

namespace {

using namespace torwart::dataplane::ipsec;
using Bytes = std::vector<uint8_t>;

constexpr uint16_t kBurst = 32;
constexpr uint32_t kSpi = 0x7000;

struct Options {
  unsigned runs = 5;
  double seconds = 0.5;
  std::vector<unsigned> sizes{64, 512, 1400};
  bool hugepages = false;
};

Bytes inner_packet(size_t size) {
  Bytes p(size, 0);
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(i * 13);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<uint8_t>(size >> 8);
  p[3] = static_cast<uint8_t>(size);
  p[8] = 64;
  p[9] = 17;
  return p;
}

SaSpec spec(Direction direction) {
  SaSpec s;
  s.spi = kSpi;
  s.direction = direction;
  s.cipher = Cipher::kAesGcm256;
  s.key_length = 32;
  for (size_t i = 0; i < 32; ++i) s.key[i] = static_cast<uint8_t>(i * 5 + 1);
  s.salt = {1, 2, 3, 4};
  const Address a{.family = Family::kIpv4, .bytes = {192, 0, 2, 1}};
  const Address b{.family = Family::kIpv4, .bytes = {198, 51, 100, 7}};
  s.local = direction == Direction::kOutbound ? a : b;
  s.remote = direction == Direction::kOutbound ? b : a;
  return s;
}

// A loop run for `seconds`, in whole bursts; returns packets and TSC cycles.
struct Sample {
  uint64_t packets = 0;
  uint64_t cycles = 0;
};

template <typename Burst>
Sample timed(double seconds, Burst&& burst) {
  const uint64_t budget = static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
  Sample s;
  const uint64_t start = rte_rdtsc();
  uint64_t now = start;
  while (now - start < budget) {
    for (int i = 0; i < 16; ++i) s.packets += burst();
    now = rte_rdtsc();
  }
  s.cycles = now - start;
  return s;
}

double mpps(const Sample& s) {
  return static_cast<double>(s.packets) /
         (static_cast<double>(s.cycles) / static_cast<double>(rte_get_tsc_hz())) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Series {
  std::vector<Sample> samples;
  double median_mpps() const {
    std::vector<double> v;
    for (const Sample& s : samples) v.push_back(mpps(s));
    return median(v);
  }
  double median_cycles() const {
    std::vector<double> v;
    for (const Sample& s : samples)
      v.push_back(static_cast<double>(s.cycles) / static_cast<double>(s.packets));
    return median(v);
  }
};

// The burst of mbufs a loop reuses, and the bytes it starts each burst with.
struct Burst {
  rte_mbuf* m[kBurst];
  void refill(const Bytes& b, size_t copy) {
    for (rte_mbuf* mb : m) {
      mb->data_off = RTE_PKTMBUF_HEADROOM;
      mb->data_len = static_cast<uint16_t>(b.size());
      mb->pkt_len = static_cast<uint32_t>(b.size());
      std::memcpy(rte_pktmbuf_mtod(mb, uint8_t*), b.data(), std::min(copy, b.size()));
    }
  }
};

// The bare cipher over the same bytes ESP encrypts: from the inner packet to the ESP trailer, in place.
struct BareGcm {
  uint8_t device;
  void* session;
  uint32_t aad_len = 8;
  int run(Burst& burst, uint32_t offset, uint32_t length) {
    rte_crypto_vec vec[kBurst];
    rte_crypto_sgl sgl[kBurst];
    uint8_t iv[kBurst][16];
    uint8_t aad[kBurst][16];
    rte_crypto_va_iova_ptr ivp[kBurst], aadp[kBurst], digest[kBurst];
    int32_t status[kBurst];
    for (uint16_t i = 0; i < kBurst; ++i) {
      uint8_t* data = rte_pktmbuf_mtod(burst.m[i], uint8_t*);
      vec[i] = {.base = data + offset, .iova = 0, .len = length};
      sgl[i] = {.vec = &vec[i], .num = 1};
      std::memset(iv[i], i, 12);
      std::memset(aad[i], 0, aad_len);
      ivp[i].va = iv[i];
      aadp[i].va = aad[i];
      digest[i].va = data + offset + length;
    }
    rte_crypto_sym_vec sym{};
    sym.num = kBurst;
    sym.src_sgl = sgl;
    sym.iv = ivp;
    sym.aad = aadp;
    sym.digest = digest;
    sym.status = status;
    rte_crypto_sym_ofs ofs{};
    return static_cast<int>(rte_cryptodev_sym_cpu_crypto_process(device, session, ofs, &sym));
  }
};

void* gcm_session(const CryptoDevice& dev, rte_crypto_aead_operation op, const SaSpec& s) {
  rte_crypto_sym_xform x{};
  x.type = RTE_CRYPTO_SYM_XFORM_AEAD;
  x.aead.op = op;
  x.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
  x.aead.key.data = s.key.data();
  x.aead.key.length = 32;
  x.aead.iv.offset = 0;
  x.aead.iv.length = 12;
  x.aead.digest_length = 16;
  x.aead.aad_length = 8;
  return rte_cryptodev_sym_session_create(dev.id(), &x, dev.session_pool());
}

struct OpenSslGcm {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes in, out;
  uint8_t tag[16] = {};
  explicit OpenSslGcm(const SaSpec& s, size_t length, bool encrypt) : in(length, 0x5a), out(length + 16) {
    const uint8_t iv[12] = {};
    if (encrypt) {
      EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, s.key.data(), iv);
    } else {
      EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, s.key.data(), iv);
    }
  }
  ~OpenSslGcm() { EVP_CIPHER_CTX_free(ctx); }
  int encrypt(uint64_t n) {
    uint8_t iv[12] = {};
    const uint8_t aad[8] = {};
    int len = 0;
    for (uint64_t i = 0; i < n; ++i) {
      std::memcpy(iv + 4, &i, 8);
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv);
      EVP_EncryptUpdate(ctx, nullptr, &len, aad, 8);
      EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size()));
      EVP_EncryptFinal_ex(ctx, out.data() + len, &len);
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
    }
    return static_cast<int>(n);
  }
  // Decrypts what encrypt() made last (so the tag verifies), as many times.
  int decrypt(uint64_t n, const Bytes& ciphertext, const uint8_t* good_tag) {
    uint8_t iv[12] = {};
    const uint8_t aad[8] = {};
    int len = 0, ok = 0;
    for (uint64_t i = 0; i < n; ++i) {
      EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv);
      EVP_DecryptUpdate(ctx, nullptr, &len, aad, 8);
      EVP_DecryptUpdate(ctx, out.data(), &len, ciphertext.data(), static_cast<int>(ciphertext.size()));
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(good_tag));
      ok += EVP_DecryptFinal_ex(ctx, out.data() + len, &len) == 1;
    }
    return ok;
  }
};

struct WorkerLoop {
  SaState* sa;
  uint32_t worker;
  Bytes inner;
  Burst burst;
  double seconds;
  Sample result;
  std::atomic<bool>* go;
};

int run_encrypt_worker(void* arg) {
  auto* w = static_cast<WorkerLoop*>(arg);
  while (!w->go->load(std::memory_order_acquire)) rte_pause();
  EspResult results[kBurst];
  uint64_t clock = 0;
  w->result = timed(w->seconds, [&] {
    w->burst.refill(w->inner, 64);
    return encapsulate(*w->sa, w->burst.m, kBurst, results, ++clock, w->worker);
  });
  return 0;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "esp_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"ESP encrypt/decrypt per core next to bare AES-256-GCM (benchmarks/README.md, ESP)"};
  app.add_option("--runs", options.runs, "interleaved runs per loop (median reported)");
  app.add_option("--seconds", options.seconds, "seconds per run");
  app.add_option("--sizes", options.sizes, "inner packet sizes in bytes");
  app.add_flag("--hugepages", options.hugepages, "2 MB hugepages (EAL --in-memory); default --no-huge");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> args{
      "esp_bench", "-l", "0-1", "--no-pci", "--no-telemetry", "--log-level=*:warning"};
  if (options.hugepages) {
    args.insert(args.end(), {"--in-memory", "-m", "1024"});
  } else {
    args.insert(args.end(), {"--no-huge", "--no-shconf", "-m", "1024"});
  }
  std::vector<char*> argv_eal;
  for (auto& a : args) argv_eal.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv_eal.size()), argv_eal.data()) < 0) {
    return fail(std::string("rte_eal_init: ") + rte_strerror(rte_errno));
  }
  rte_mempool* pool =
      rte_pktmbuf_pool_create("esp_bench", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (pool == nullptr) return fail("mbuf pool");
  std::string error;
  auto device = CryptoDevice::open("crypto_aesni_gcm0", 64, error);
  if (!device) return fail(error);
  auto table = SaTable::create(*device, SaTableConfig{.capacity = 8, .workers = 2}, error);
  if (!table) return fail(error);
  if (auto e = table->add(spec(Direction::kOutbound)); !e.empty()) return fail(e);
  if (auto e = table->add(spec(Direction::kInbound)); !e.empty()) return fail(e);
  SaState* out = table->current()->find(kSpi, Direction::kOutbound);
  void* enc_session = gcm_session(*device, RTE_CRYPTO_AEAD_OP_ENCRYPT, spec(Direction::kOutbound));
  void* dec_session = gcm_session(*device, RTE_CRYPTO_AEAD_OP_DECRYPT, spec(Direction::kOutbound));
  if (enc_session == nullptr || dec_session == nullptr) return fail("bare GCM sessions");

  Burst burst;
  if (rte_pktmbuf_alloc_bulk(pool, burst.m, kBurst) != 0) return fail("mbufs");
  const double hz = static_cast<double>(rte_get_tsc_hz());
  fmt::print("esp_bench: AES-256-GCM, outer IPv4, bursts of {}, {} runs of {} s, TSC {:.2f} GHz, {}\n",
             kBurst, options.runs, options.seconds, hz / 1e9,
             options.hugepages ? "hugepages" : "no hugepages");
  fmt::print(
      "| size | loop | Mpps | Gbit/s | cycles/packet | vs bare GCM |\n|---:|---|---:|---:|---:|---:|\n");

  for (unsigned size : options.sizes) {
    const Bytes inner = inner_packet(size);
    const uint32_t padded = (size + 2 + 3) & ~3u;  // what ESP encrypts: inner packet, padding, trailer
    // Ciphertexts for the decrypt loops: ESP packets from the outbound SA (no replay window inbound, so the
    // same packets can be decrypted again and again).
    std::vector<Bytes> esp(kBurst);
    burst.refill(inner, inner.size());
    EspResult results[kBurst];
    if (encapsulate(*out, burst.m, kBurst, results, 0, 0) != kBurst) return fail("encapsulate");
    for (uint16_t i = 0; i < kBurst; ++i) {
      esp[i].resize(burst.m[i]->pkt_len);
      std::memcpy(esp[i].data(), rte_pktmbuf_mtod(burst.m[i], uint8_t*), esp[i].size());
    }
    auto restore = [&] {
      for (uint16_t i = 0; i < kBurst; ++i) {
        rte_mbuf* mb = burst.m[i];
        mb->data_off = RTE_PKTMBUF_HEADROOM;
        mb->data_len = static_cast<uint16_t>(esp[i].size());
        mb->pkt_len = mb->data_len;
        std::memcpy(rte_pktmbuf_mtod(mb, uint8_t*), esp[i].data(), esp[i].size());
      }
    };
    constexpr uint32_t kEspOffset = 20 + 8 + 8;  // outer IPv4, ESP header, IV

    OpenSslGcm ossl_enc(spec(Direction::kOutbound), padded, true);
    ossl_enc.encrypt(1);
    Bytes ossl_ciphertext(ossl_enc.out.begin(), ossl_enc.out.begin() + padded);
    uint8_t ossl_tag[16];
    std::memcpy(ossl_tag, ossl_enc.tag, 16);
    OpenSslGcm ossl_dec(spec(Direction::kOutbound), padded, false);
    if (ossl_dec.decrypt(1, ossl_ciphertext, ossl_tag) != 1) return fail("OpenSSL decrypt check");

    BareGcm bare_enc{device->id(), enc_session};
    BareGcm bare_dec{device->id(), dec_session};
    uint64_t clock = 0;
    std::map<std::string, Series> series;
    uint64_t drops = 0;
    for (unsigned run = 0; run < options.runs; ++run) {
      series["esp encrypt"].samples.push_back(timed(options.seconds, [&] {
        burst.refill(inner, 64);
        return encapsulate(*out, burst.m, kBurst, results, ++clock, 0);
      }));
      series["gcm encrypt"].samples.push_back(timed(options.seconds, [&] {
        burst.refill(inner, 64);
        return bare_enc.run(burst, 0, padded);
      }));
      series["esp decrypt"].samples.push_back(timed(options.seconds, [&] {
        restore();
        const uint16_t ok = decapsulate(*table->current(), burst.m, kBurst, results, ++clock, 0);
        drops += kBurst - ok;
        return ok;
      }));
      series["gcm decrypt"].samples.push_back(timed(options.seconds, [&] {
        restore();
        // The tag does not match these bytes (other IV, AAD): the cipher does the same work and says so.
        bare_dec.run(burst, kEspOffset, padded);
        return kBurst;
      }));
      series["openssl encrypt"].samples.push_back(
          timed(options.seconds, [&] { return ossl_enc.encrypt(kBurst); }));
      series["openssl decrypt"].samples.push_back(
          timed(options.seconds, [&] { return ossl_dec.decrypt(kBurst, ossl_ciphertext, ossl_tag); }));
    }
    if (drops != 0) return fail(fmt::format("esp decrypt dropped {} packets", drops));

    // One SA over two workers at once: lcore 1 and the main lcore.
    Series one, two;
    for (unsigned run = 0; run < options.runs; ++run) {
      std::atomic<bool> go{false};
      WorkerLoop loops[2];
      for (uint32_t w = 0; w < 2; ++w) {
        loops[w].sa = out;
        loops[w].worker = w;
        loops[w].inner = inner;
        loops[w].seconds = options.seconds;
        loops[w].go = &go;
        if (rte_pktmbuf_alloc_bulk(pool, loops[w].burst.m, kBurst) != 0) return fail("mbufs");
      }
      const unsigned other = rte_get_next_lcore(rte_lcore_id(), 1, 0);
      rte_eal_remote_launch(run_encrypt_worker, &loops[1], other);
      go.store(true, std::memory_order_release);
      run_encrypt_worker(&loops[0]);
      rte_eal_wait_lcore(other);
      // Both ran for the same time: the pair's rate is the sum.
      two.samples.push_back(
          Sample{loops[0].result.packets + loops[1].result.packets, loops[0].result.cycles});
      std::atomic<bool> go_one{true};
      loops[0].go = &go_one;
      run_encrypt_worker(&loops[0]);
      one.samples.push_back(loops[0].result);
      for (auto& l : loops) rte_pktmbuf_free_bulk(l.burst.m, kBurst);
    }
    series["esp encrypt, 1 worker"] = one;
    series["esp encrypt, 2 workers"] = two;

    const double enc_bare = series["gcm encrypt"].median_mpps();
    const double dec_bare = series["gcm decrypt"].median_mpps();
    for (const char* name : {"esp encrypt", "gcm encrypt", "openssl encrypt", "esp decrypt", "gcm decrypt",
                             "openssl decrypt", "esp encrypt, 1 worker", "esp encrypt, 2 workers"}) {
      const Series& s = series[name];
      const double m = s.median_mpps();
      const std::string n(name);
      std::string vs;
      if (n.find("decrypt") != std::string::npos) {
        vs = fmt::format("{:.0f} %", 100 * m / dec_bare);
      } else {
        vs = fmt::format("{:.0f} %", 100 * m / enc_bare);
      }
      const bool multi = n.find("worker") != std::string::npos;
      fmt::print("| {} | {} | {:.3f} | {:.2f} | {} | {} |\n", size, name, m, m * size * 8 / 1e3,
                 multi ? std::string("") : fmt::format("{:.0f}", s.median_cycles()), vs);
    }
  }
  rte_pktmbuf_free_bulk(burst.m, kBurst);
  return 0;
}
