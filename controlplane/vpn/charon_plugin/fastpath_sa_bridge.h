/* The charon plugin's way to the fast path: plain C calls (the plugin's strongSwan side is C) that become
 * requests on torwart run's control socket (dataplane/control_protocol/README.md, "IPsec"). Every call
 * returns 0 on success or -1 and a sentence in `error`, which the plugin hands to charon's log. */
#ifndef TORWART_FASTPATH_SA_BRIDGE_H
#define TORWART_FASTPATH_SA_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct torwart_endpoint {
  const char* address; /* IPv4 or IPv6 text */
  uint16_t port;       /* UDP port when the SA is encapsulated (RFC 3948), else 0 */
};

struct torwart_lifetime {
  uint64_t soft;
  uint64_t hard; /* 0: no limit */
};

struct torwart_sa {
  uint32_t spi;
  bool inbound;
  uint32_t reqid;
  struct torwart_endpoint source;
  struct torwart_endpoint destination;
  bool udp_encapsulation;
  uint8_t inner_family;          /* 4 or 6: the family of the traffic selectors */
  uint16_t encryption_algorithm; /* IKEv2 transform ID (RFC 7296 §3.3.2) */
  const uint8_t* encryption_key; /* key and salt as IKEv2 derives them (RFC 4106 §8.1) */
  size_t encryption_key_bytes;
  uint16_t integrity_algorithm; /* 0 for AEAD ciphers */
  bool extended_sequence_numbers;
  uint32_t replay_window;
  struct torwart_lifetime bytes;
  struct torwart_lifetime packets;
};

struct torwart_selector {
  const char* from; /* first address of the range */
  const char* to;   /* last address of the range */
  uint8_t protocol; /* 0: any */
  uint16_t from_port;
  uint16_t to_port;
};

struct torwart_policy {
  uint32_t reqid;
  const char* direction; /* "in", "out" or "fwd" */
  struct torwart_selector source;
  struct torwart_selector destination;
  uint32_t spi; /* the outbound SA the policy uses, when charon names it; else 0 */
};

struct torwart_sa_usage {
  uint64_t bytes;
  uint64_t packets;
  int64_t idle_ms; /* since the SA last carried a packet; -1: never */
};

/* Called for every SA the fast path reports as past a byte or packet limit (soft or hard). */
typedef void (*torwart_expiry_callback)(void* context, uint32_t spi, const char* destination, bool hard);

int torwart_allocate_spi(const char* socket_path, const char* source, const char* destination, uint32_t* spi,
                         char* error, size_t error_size);
int torwart_add_sa(const char* socket_path, const struct torwart_sa* sa, char* error, size_t error_size);
int torwart_update_sa(const char* socket_path, uint32_t spi, const char* destination,
                      const struct torwart_endpoint* new_source,
                      const struct torwart_endpoint* new_destination, bool udp_encapsulation, char* error,
                      size_t error_size);
int torwart_query_sa(const char* socket_path, uint32_t spi, const char* destination,
                     struct torwart_sa_usage* usage, char* error, size_t error_size);
int torwart_delete_sa(const char* socket_path, uint32_t spi, const char* destination, char* error,
                      size_t error_size);
int torwart_flush_sas(const char* socket_path, char* error, size_t error_size);
int torwart_add_policy(const char* socket_path, const struct torwart_policy* policy, char* error,
                       size_t error_size);
int torwart_delete_policy(const char* socket_path, const struct torwart_policy* policy, char* error,
                          size_t error_size);
int torwart_query_policy(const char* socket_path, const struct torwart_policy* policy, int64_t* idle_ms,
                         char* error, size_t error_size);
int torwart_flush_policies(const char* socket_path, char* error, size_t error_size);
/* Asks for the SAs past a byte or packet limit and calls `callback` for each that was not reported before. */
int torwart_poll_expiries(const char* socket_path, torwart_expiry_callback callback, void* context,
                          char* error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
