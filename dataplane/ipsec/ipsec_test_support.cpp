#include "dataplane/ipsec/ipsec_test_support.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>

namespace torwart::dataplane::ipsec::testing_support {
namespace {

rte_mempool* g_pool = nullptr;
CryptoDevice* g_device = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    // Two lcores: the concurrency test encrypts on the main lcore and on lcore 1 at once.
    const char* args[] = {"dataplane_ipsec_test",
                          "--no-huge",
                          "--no-pci",
                          "--no-shconf",
                          "--no-telemetry",
                          "-m",
                          "512",
                          "-l",
                          "0-1",
                          "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // An ASSERT here would only skip every test quietly.
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
    g_pool = rte_pktmbuf_pool_create("ipsec_test", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
    std::string error;
    g_device = CryptoDevice::open("crypto_aesni_gcm0", 1024, error).release();
    if (g_device == nullptr) {
      std::fprintf(stderr, "%s\n", error.c_str());
      std::exit(1);
    }
  }
};

[[maybe_unused]] ::testing::Environment* const g_eal =
    ::testing::AddGlobalTestEnvironment(new EalEnvironment);

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

void append32(Bytes& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}

struct CipherContext {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
};

const EVP_CIPHER* gcm(size_t key_length) {
  return key_length == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

Bytes aad_of(const EspFields& f) {
  Bytes aad;
  append32(aad, f.spi);
  if (f.esn) append32(aad, static_cast<uint32_t>(f.sequence >> 32));
  append32(aad, static_cast<uint32_t>(f.sequence));
  return aad;
}

Bytes nonce_of(const EspFields& f) {
  Bytes nonce = f.salt;
  nonce.insert(nonce.end(), f.iv.begin(), f.iv.end());
  return nonce;
}

}  // namespace

rte_mempool* pool() {
  return g_pool;
}

CryptoDevice& device() {
  return *g_device;
}

Address ipv4(const std::string& text) {
  Address a{.family = Family::kIpv4};
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) != 1) ADD_FAILURE() << text;
  return a;
}

Address ipv6(const std::string& text) {
  Address a{.family = Family::kIpv6};
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) != 1) ADD_FAILURE() << text;
  return a;
}

Bytes inner_packet(Family family, size_t size, uint8_t seed) {
  Bytes p(size, 0);
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(seed + i * 7);
  if (family == Family::kIpv4) {
    p[0] = 0x45;
    p[1] = 0;
    put16(p, 2, static_cast<uint16_t>(size));
    put16(p, 4, 0x1234);
    put16(p, 6, 0);
    p[8] = 64;
    p[9] = 17;
    const uint8_t src[4] = {10, 1, 0, 1}, dst[4] = {10, 2, 0, 2};
    std::memcpy(&p[12], src, 4);
    std::memcpy(&p[16], dst, 4);
    put16(p, 10, 0);
    rte_ipv4_hdr h;
    std::memcpy(&h, p.data(), sizeof(h));
    const uint16_t sum = rte_ipv4_cksum(&h);
    std::memcpy(&p[10], &sum, 2);
    put16(p, 20, 1000);
    put16(p, 22, 2000);
    put16(p, 24, static_cast<uint16_t>(size - 20));
    put16(p, 26, 0);
  } else {
    p[0] = 0x60;
    p[1] = p[2] = p[3] = 0;
    put16(p, 4, static_cast<uint16_t>(size - 40));
    p[6] = 17;
    p[7] = 64;
    Address s = ipv6("2001:db8:1::1"), d = ipv6("2001:db8:2::2");
    std::memcpy(&p[8], s.bytes.data(), 16);
    std::memcpy(&p[24], d.bytes.data(), 16);
    put16(p, 40, 1000);
    put16(p, 42, 2000);
    put16(p, 44, static_cast<uint16_t>(size - 40));
    put16(p, 46, 0);
  }
  return p;
}

rte_mbuf* to_mbuf(const Bytes& bytes) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (m == nullptr) {
    ADD_FAILURE() << "mbuf pool empty";
    std::abort();
  }
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
  if (data == nullptr) {
    ADD_FAILURE() << "packet of " << bytes.size() << " bytes does not fit an mbuf";
    std::abort();
  }
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return m;
}

Bytes to_bytes(const rte_mbuf* m) {
  Bytes b(m->pkt_len);
  if (b.empty()) return b;
  const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, b.data());
  if (p != b.data()) std::memcpy(b.data(), p, m->pkt_len);
  return b;
}

void free_all(rte_mbuf** mbufs, size_t n) {
  for (size_t i = 0; i < n; ++i) rte_pktmbuf_free(mbufs[i]);
}

SaPair sa_pair(uint32_t spi, Cipher cipher, Family outer, Family inner, bool udp, bool esn, uint32_t window) {
  SaSpec out;
  out.spi = spi;
  out.direction = Direction::kOutbound;
  out.cipher = cipher;
  out.key_length = cipher == Cipher::kAesGcm128 ? 16 : 32;
  for (size_t i = 0; i < out.key.size(); ++i) out.key[i] = static_cast<uint8_t>(0xa0 + i * 3 + spi);
  out.salt = {0xde, 0xad, static_cast<uint8_t>(spi), 0xef};
  if (outer == Family::kIpv4) {
    out.local = ipv4("192.0.2.1");
    out.remote = ipv4("198.51.100.7");
  } else {
    out.local = ipv6("2001:db8:a::1");
    out.remote = ipv6("2001:db8:b::7");
  }
  out.inner_family = inner;
  out.udp_encapsulation = udp;
  if (udp) {
    out.udp_source_port = 4500;
    out.udp_destination_port = 4501;
  }
  out.extended_sequence_numbers = esn;
  SaSpec in = out;
  in.direction = Direction::kInbound;
  std::swap(in.local, in.remote);
  if (udp) std::swap(in.udp_source_port, in.udp_destination_port);
  in.replay_window = window;
  return {out, in};
}

Bytes esp_payload(const EspFields& f) {
  Bytes plain = f.inner;
  const size_t pad =
      f.pad_length >= 0 ? static_cast<size_t>(f.pad_length) : (4 - (f.inner.size() + 2) % 4) % 4;
  for (size_t i = 1; i <= pad; ++i) plain.push_back(static_cast<uint8_t>(f.corrupt_pad ? 0xee : i));
  plain.push_back(
      static_cast<uint8_t>(f.claimed_pad_length >= 0 ? f.claimed_pad_length : static_cast<int>(pad)));
  plain.push_back(f.next_header);

  Bytes out;
  append32(out, f.spi);
  append32(out, static_cast<uint32_t>(f.sequence));
  out.insert(out.end(), f.iv.begin(), f.iv.end());

  CipherContext c;
  const Bytes nonce = nonce_of(f), aad = aad_of(f);
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(c.ctx, gcm(f.key.size()), nullptr, nullptr, nullptr), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr), 1);
  EXPECT_EQ(EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, f.key.data(), nonce.data()), 1);
  EXPECT_EQ(EVP_EncryptUpdate(c.ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())), 1);
  Bytes cipher(plain.size() + 16);
  EXPECT_EQ(EVP_EncryptUpdate(c.ctx, cipher.data(), &len, plain.data(), static_cast<int>(plain.size())), 1);
  int tail = 0;
  EXPECT_EQ(EVP_EncryptFinal_ex(c.ctx, cipher.data() + len, &tail), 1);
  cipher.resize(static_cast<size_t>(len + tail));
  uint8_t tag[16];
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
  out.insert(out.end(), cipher.begin(), cipher.end());
  out.insert(out.end(), tag, tag + 16);
  return out;
}

Bytes esp_open(const EspFields& f, const Bytes& payload) {
  if (payload.size() < 8 + 8 + 16) return {};
  EspFields g = f;
  g.iv.assign(payload.begin() + 8, payload.begin() + 16);
  CipherContext c;
  const Bytes nonce = nonce_of(g), aad = aad_of(g);
  int len = 0;
  EVP_DecryptInit_ex(c.ctx, gcm(f.key.size()), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr);
  EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, f.key.data(), nonce.data());
  EVP_DecryptUpdate(c.ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
  const size_t clen = payload.size() - 16 - 16;
  Bytes plain(clen + 16);
  EVP_DecryptUpdate(c.ctx, plain.data(), &len, payload.data() + 16, static_cast<int>(clen));
  Bytes tag(payload.end() - 16, payload.end());
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data());
  int tail = 0;
  if (EVP_DecryptFinal_ex(c.ctx, plain.data() + len, &tail) != 1) return {};
  plain.resize(static_cast<size_t>(len + tail));
  return plain;
}

Bytes outer_ipv4(const Address& source, const Address& destination, const Bytes& esp, uint16_t id, bool udp,
                 uint16_t source_port, uint16_t destination_port) {
  const size_t udp_length = udp ? 8 : 0;
  Bytes p(20 + udp_length, 0);
  p[0] = 0x45;
  put16(p, 2, static_cast<uint16_t>(20 + udp_length + esp.size()));
  put16(p, 4, id);
  p[8] = 64;
  p[9] = udp ? 17 : 50;
  std::memcpy(&p[12], source.bytes.data(), 4);
  std::memcpy(&p[16], destination.bytes.data(), 4);
  rte_ipv4_hdr h;
  std::memcpy(&h, p.data(), sizeof(h));
  const uint16_t sum = rte_ipv4_cksum(&h);
  std::memcpy(&p[10], &sum, 2);
  if (udp) {
    put16(p, 20, source_port);
    put16(p, 22, destination_port);
    put16(p, 24, static_cast<uint16_t>(8 + esp.size()));
  }
  p.insert(p.end(), esp.begin(), esp.end());
  return p;
}

std::unique_ptr<SaTable> make_table(uint32_t capacity) {
  std::string error;
  auto table = SaTable::create(device(), SaTableConfig{.capacity = capacity, .workers = kWorkers}, error);
  EXPECT_NE(table, nullptr) << error;
  return table;
}

}  // namespace torwart::dataplane::ipsec::testing_support
