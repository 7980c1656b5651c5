/* charon's kernel_ipsec_t for torwart: each call becomes one control-socket request (fastpath_sa_bridge.h).
 * What the fast path does not do is refused here with a logged reason, so that charon fails the CHILD_SA
 * instead of believing in protection that is not there. */
#include "torwart_kernel_ipsec.h"

#include <arpa/inet.h>
#include <collections/hashtable.h>
#include <daemon.h>
#include <processing/jobs/callback_job.h>
#include <threading/mutex.h>

#include "fastpath_sa_bridge.h"

#define ERROR_SIZE 512

/* ENCR_AES_GCM_ICV16: AES-GCM with a 16-byte ICV, the only ESP cipher the fast path implements. */
#define GCM16_TRANSFORM 20

typedef struct private_torwart_kernel_ipsec_t private_torwart_kernel_ipsec_t;

struct private_torwart_kernel_ipsec_t {
  kernel_ipsec_t public;
  char* socket_path;
  /* Counter values of installed SAs' time limits: a scheduled expiry only fires while its SA is still the
   * one installed under (spi, destination); see expire_after(). */
  mutex_t* mutex;
  hashtable_t* installed; /* installed_t by their key */
  uintptr_t next_installation;
};

/* An address as text; `buffer` must hold INET6_ADDRSTRLEN bytes. */
static const char* address_text(host_t* host, char* buffer) {
  chunk_t bytes = host->get_address(host);
  if (!inet_ntop(host->get_family(host), bytes.ptr, buffer, INET6_ADDRSTRLEN)) {
    snprintf(buffer, INET6_ADDRSTRLEN, "?");
  }
  return buffer;
}

static const char* range_address_text(int family, chunk_t bytes, char* buffer) {
  if (!inet_ntop(family, bytes.ptr, buffer, INET6_ADDRSTRLEN)) snprintf(buffer, INET6_ADDRSTRLEN, "?");
  return buffer;
}

/* An SA charon installed, under the key charon identifies it by: SPI and destination. */
typedef struct {
  char key[16 + INET6_ADDRSTRLEN];
  uintptr_t installation;
} installed_t;

static u_int spi_key_hash(const void* key) {
  return chunk_hash(chunk_from_str((char*)key));
}
static bool spi_key_equals(const void* a, const void* b) {
  return streq((const char*)a, (const char*)b);
}

static void spi_key(uint32_t spi, host_t* destination, char key[16 + INET6_ADDRSTRLEN]) {
  char address[INET6_ADDRSTRLEN];
  snprintf(key, 16 + INET6_ADDRSTRLEN, "%08x/%s", ntohl(spi), address_text(destination, address));
}

typedef struct {
  private_torwart_kernel_ipsec_t* owner;
  char* key;
  uintptr_t installation;
  uint32_t spi;
  host_t* destination;
  bool hard;
} expiry_t;

static void expiry_destroy(expiry_t* expiry) {
  free(expiry->key);
  expiry->destination->destroy(expiry->destination);
  free(expiry);
}

static job_requeue_t expiry_fire(expiry_t* expiry) {
  private_torwart_kernel_ipsec_t* this = expiry->owner;
  installed_t* entry;
  bool current;

  this->mutex->lock(this->mutex);
  entry = this->installed->get(this->installed, expiry->key);
  current = entry && entry->installation == expiry->installation;
  this->mutex->unlock(this->mutex);
  if (current) {
    charon->kernel->expire(charon->kernel, IPPROTO_ESP, expiry->spi, expiry->destination, expiry->hard);
  }
  return JOB_REQUEUE_NONE;
}

/* Time limits are charon's to enforce (the fast path counts bytes and packets, not time): the soft one
 * starts a rekey, the hard one deletes the SA. */
static void expire_after(private_torwart_kernel_ipsec_t* this, const char* key, uintptr_t installation,
                         uint32_t spi, host_t* destination, uint64_t seconds, bool hard) {
  expiry_t* expiry;

  if (seconds == 0) return;
  INIT(expiry, .owner = this, .key = strdup(key), .installation = installation, .spi = spi,
       .destination = destination->clone(destination), .hard = hard, );
  lib->scheduler->schedule_job(lib->scheduler,
                               (job_t*)callback_job_create((callback_job_cb_t)expiry_fire, expiry,
                                                           (callback_job_cleanup_t)expiry_destroy, NULL),
                               (uint32_t)seconds);
}

/* 4 or 6 when every selector is of that family, 0 when they mix. */
static uint8_t selectors_family(linked_list_t* sources, linked_list_t* destinations) {
  linked_list_t* lists[2] = {sources, destinations};
  uint8_t family = 0;
  int i;

  for (i = 0; i < 2; i++) {
    enumerator_t* enumerator;
    traffic_selector_t* selector;
    if (!lists[i]) continue;
    enumerator = lists[i]->create_enumerator(lists[i]);
    while (enumerator->enumerate(enumerator, &selector)) {
      uint8_t this_family = selector->get_type(selector) == TS_IPV4_ADDR_RANGE ? 4 : 6;
      if (family != 0 && family != this_family) {
        enumerator->destroy(enumerator);
        return 0;
      }
      family = this_family;
    }
    enumerator->destroy(enumerator);
  }
  return family == 0 ? 4 : family;
}

// No KERNEL_POLICY_SPI: the fast path sends a tunnel's traffic with the newest outbound SA of its reqid and
// does not switch by the policy's SPI. Without the feature, charon installs a rekeying responder's new
// outbound SA only once the initiator has removed the old pair (and so has the new inbound SA): no packet is
// sent with an SA the peer cannot open yet.
METHOD(kernel_ipsec_t, get_features, kernel_feature_t, private_torwart_kernel_ipsec_t* this) {
  return 0;
}

METHOD(kernel_ipsec_t, get_spi, status_t, private_torwart_kernel_ipsec_t* this, host_t* src, host_t* dst,
       uint8_t protocol, uint32_t* spi) {
  char source[INET6_ADDRSTRLEN], destination[INET6_ADDRSTRLEN], error[ERROR_SIZE];
  uint32_t allocated;

  if (protocol != IPPROTO_ESP) {
    DBG1(DBG_KNL, "torwart: only ESP is implemented in the fast path, not protocol %u", protocol);
    return NOT_SUPPORTED;
  }
  if (torwart_allocate_spi(this->socket_path, address_text(src, source), address_text(dst, destination),
                           &allocated, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  *spi = htonl(allocated);
  return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t, private_torwart_kernel_ipsec_t* this, host_t* src, host_t* dst,
       uint16_t* cpi) {
  DBG1(DBG_KNL, "torwart: IPComp is not implemented in the fast path");
  return NOT_SUPPORTED;
}

METHOD(kernel_ipsec_t, add_sa, status_t, private_torwart_kernel_ipsec_t* this, kernel_ipsec_sa_id_t* id,
       kernel_ipsec_add_sa_t* data) {
  char source[INET6_ADDRSTRLEN], destination[INET6_ADDRSTRLEN], error[ERROR_SIZE];
  struct torwart_sa sa;
  installed_t* entry;
  char key[16 + INET6_ADDRSTRLEN];
  uintptr_t installation;
  uint8_t inner_family;

  if (id->proto != IPPROTO_ESP || data->mode != MODE_TUNNEL) {
    DBG1(DBG_KNL, "torwart: only ESP in tunnel mode is implemented in the fast path (SA %.8x refused)",
         ntohl(id->spi));
    return NOT_SUPPORTED;
  }
  if (data->ipcomp != IPCOMP_NONE || data->tfc != 0) {
    DBG1(DBG_KNL, "torwart: IPComp and TFC padding are not implemented in the fast path (SA %.8x refused)",
         ntohl(id->spi));
    return NOT_SUPPORTED;
  }
  if (data->enc_alg != GCM16_TRANSFORM || data->int_alg != AUTH_UNDEFINED) {
    DBG1(DBG_KNL,
         "torwart: the fast path implements AES-GCM with a 16-byte ICV only; SA %.8x uses %N/%N: refused",
         ntohl(id->spi), encryption_algorithm_names, data->enc_alg, integrity_algorithm_names, data->int_alg);
    return NOT_SUPPORTED;
  }
  inner_family = selectors_family(data->src_ts, data->dst_ts);
  if (inner_family == 0) {
    DBG1(DBG_KNL,
         "torwart: SA %.8x has IPv4 and IPv6 traffic selectors; the fast path's ESP fixes one inner family "
         "per SA "
         "(configure a child per family): refused",
         ntohl(id->spi));
    return NOT_SUPPORTED;
  }
  sa = (struct torwart_sa){
      .spi = ntohl(id->spi),
      .inbound = data->inbound,
      .reqid = data->reqid,
      .source = {.address = address_text(id->src, source),
                 .port = data->encap ? id->src->get_port(id->src) : 0},
      .destination = {.address = address_text(id->dst, destination),
                      .port = data->encap ? id->dst->get_port(id->dst) : 0},
      .udp_encapsulation = data->encap,
      .inner_family = inner_family,
      .encryption_algorithm = data->enc_alg,
      .encryption_key = data->enc_key.ptr,
      .encryption_key_bytes = data->enc_key.len,
      .integrity_algorithm = 0, /* AES-GCM only (checked above): no separate integrity algorithm */
      .extended_sequence_numbers = data->esn,
      .replay_window = data->replay_window,
      .bytes = {.soft = data->lifetime->bytes.rekey, .hard = data->lifetime->bytes.life},
      .packets = {.soft = data->lifetime->packets.rekey, .hard = data->lifetime->packets.life},
  };
  if (torwart_add_sa(this->socket_path, &sa, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  DBG2(DBG_KNL, "torwart: installed %s SA %.8x (reqid %u) in the fast path",
       data->inbound ? "inbound" : "outbound", ntohl(id->spi), data->reqid);

  INIT(entry, );
  spi_key(id->spi, id->dst, entry->key);
  memcpy(key, entry->key, sizeof(key));
  this->mutex->lock(this->mutex);
  installation = entry->installation = ++this->next_installation;
  /* put() keeps the new key, so the replaced entry can go. */
  free(this->installed->put(this->installed, entry->key, entry));
  this->mutex->unlock(this->mutex);
  expire_after(this, key, installation, id->spi, id->dst, data->lifetime->time.rekey, FALSE);
  expire_after(this, key, installation, id->spi, id->dst, data->lifetime->time.life, TRUE);
  return SUCCESS;
}

METHOD(kernel_ipsec_t, update_sa, status_t, private_torwart_kernel_ipsec_t* this, kernel_ipsec_sa_id_t* id,
       kernel_ipsec_update_sa_t* data) {
  char destination[INET6_ADDRSTRLEN], new_source_text[INET6_ADDRSTRLEN],
      new_destination_text[INET6_ADDRSTRLEN];
  char error[ERROR_SIZE];
  struct torwart_endpoint new_source = {
      .address = address_text(data->new_src, new_source_text),
      .port = data->new_encap ? data->new_src->get_port(data->new_src) : 0,
  };
  struct torwart_endpoint new_destination = {
      .address = address_text(data->new_dst, new_destination_text),
      .port = data->new_encap ? data->new_dst->get_port(data->new_dst) : 0,
  };

  if (torwart_update_sa(this->socket_path, ntohl(id->spi), address_text(id->dst, destination), &new_source,
                        &new_destination, data->new_encap, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  return SUCCESS;
}

METHOD(kernel_ipsec_t, query_sa, status_t, private_torwart_kernel_ipsec_t* this, kernel_ipsec_sa_id_t* id,
       kernel_ipsec_query_sa_t* data, uint64_t* bytes, uint64_t* packets, time_t* time) {
  char destination[INET6_ADDRSTRLEN], error[ERROR_SIZE];
  struct torwart_sa_usage usage;

  if (torwart_query_sa(this->socket_path, ntohl(id->spi), address_text(id->dst, destination), &usage, error,
                       sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  if (bytes) *bytes = usage.bytes;
  if (packets) *packets = usage.packets;
  if (time) *time = usage.idle_ms < 0 ? 0 : time_monotonic(NULL) - (time_t)(usage.idle_ms / 1000);
  return SUCCESS;
}

METHOD(kernel_ipsec_t, del_sa, status_t, private_torwart_kernel_ipsec_t* this, kernel_ipsec_sa_id_t* id,
       kernel_ipsec_del_sa_t* data) {
  char destination[INET6_ADDRSTRLEN], error[ERROR_SIZE];
  char key[16 + INET6_ADDRSTRLEN];

  spi_key(id->spi, id->dst, key);
  this->mutex->lock(this->mutex);
  free(this->installed->remove(this->installed, key));
  this->mutex->unlock(this->mutex);
  if (torwart_delete_sa(this->socket_path, ntohl(id->spi), address_text(id->dst, destination), error,
                        sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return NOT_FOUND;
  }
  return SUCCESS;
}

METHOD(kernel_ipsec_t, flush_sas, status_t, private_torwart_kernel_ipsec_t* this) {
  char error[ERROR_SIZE];
  if (torwart_flush_sas(this->socket_path, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  return SUCCESS;
}

/* A policy in the bridge's terms; the address texts live in the caller's buffers. */
static void fill_policy(kernel_ipsec_policy_id_t* id, kernel_ipsec_manage_policy_t* data,
                        struct torwart_policy* policy, char texts[4][INET6_ADDRSTRLEN]) {
  traffic_selector_t* selectors[2] = {id->src_ts, id->dst_ts};
  struct torwart_selector* targets[2] = {&policy->source, &policy->destination};
  int i;

  for (i = 0; i < 2; i++) {
    int family = selectors[i]->get_type(selectors[i]) == TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
    targets[i]->from = range_address_text(family, selectors[i]->get_from_address(selectors[i]), texts[2 * i]);
    targets[i]->to = range_address_text(family, selectors[i]->get_to_address(selectors[i]), texts[2 * i + 1]);
    targets[i]->protocol = selectors[i]->get_protocol(selectors[i]);
    targets[i]->from_port = selectors[i]->get_from_port(selectors[i]);
    targets[i]->to_port = selectors[i]->get_to_port(selectors[i]);
  }
  policy->direction = id->dir == POLICY_IN ? "in" : id->dir == POLICY_OUT ? "out" : "fwd";
  policy->reqid = data && data->sa ? data->sa->reqid : 0;
  policy->spi = data && data->sa && data->sa->esp.use ? ntohl(data->sa->esp.spi) : 0;
}

METHOD(kernel_ipsec_t, add_policy, status_t, private_torwart_kernel_ipsec_t* this,
       kernel_ipsec_policy_id_t* id, kernel_ipsec_manage_policy_t* data) {
  char texts[4][INET6_ADDRSTRLEN], error[ERROR_SIZE];
  struct torwart_policy policy;

  if (data->type != POLICY_IPSEC) {
    /* Pass and drop policies (charon's bypass/trap helpers) are the firewall policy's job in torwart. */
    DBG2(DBG_KNL, "torwart: pass or drop policy left to the firewall policy");
    return SUCCESS;
  }
  fill_policy(id, data, &policy, texts);
  if (torwart_add_policy(this->socket_path, &policy, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  return SUCCESS;
}

METHOD(kernel_ipsec_t, query_policy, status_t, private_torwart_kernel_ipsec_t* this,
       kernel_ipsec_policy_id_t* id, kernel_ipsec_query_policy_t* data, time_t* use_time) {
  char texts[4][INET6_ADDRSTRLEN], error[ERROR_SIZE];
  struct torwart_policy policy;
  int64_t idle_ms;

  fill_policy(id, NULL, &policy, texts);
  if (torwart_query_policy(this->socket_path, &policy, &idle_ms, error, sizeof(error)) != 0) {
    DBG2(DBG_KNL, "torwart: %s", error);
    return NOT_FOUND;
  }
  *use_time = idle_ms < 0 ? 0 : time_monotonic(NULL) - (time_t)(idle_ms / 1000);
  return SUCCESS;
}

METHOD(kernel_ipsec_t, del_policy, status_t, private_torwart_kernel_ipsec_t* this,
       kernel_ipsec_policy_id_t* id, kernel_ipsec_manage_policy_t* data) {
  char texts[4][INET6_ADDRSTRLEN], error[ERROR_SIZE];
  struct torwart_policy policy;

  if (data->type != POLICY_IPSEC) return SUCCESS;
  fill_policy(id, data, &policy, texts);
  if (torwart_delete_policy(this->socket_path, &policy, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return NOT_FOUND;
  }
  return SUCCESS;
}

METHOD(kernel_ipsec_t, flush_policies, status_t, private_torwart_kernel_ipsec_t* this) {
  char error[ERROR_SIZE];
  if (torwart_flush_policies(this->socket_path, error, sizeof(error)) != 0) {
    DBG1(DBG_KNL, "torwart: %s", error);
    return FAILED;
  }
  return SUCCESS;
}

/* IKE's own sockets need no bypass: the fast path hands UDP 500/4500 for the box to its kernel twin, and
 * ESP is never in the Linux kernel's hands. */
METHOD(kernel_ipsec_t, bypass_socket, bool, private_torwart_kernel_ipsec_t* this, int fd, int family) {
  return TRUE;
}

/* ESP in UDP is taken out of UDP by the fast path before the kernel sees it (RFC 3948). */
METHOD(kernel_ipsec_t, enable_udp_decap, bool, private_torwart_kernel_ipsec_t* this, int fd, int family,
       uint16_t port) {
  return TRUE;
}

static void expire_by_usage(private_torwart_kernel_ipsec_t* this, uint32_t spi, const char* destination,
                            bool hard) {
  host_t* host = host_create_from_string((char*)destination, 0);
  if (!host) return;
  charon->kernel->expire(charon->kernel, IPPROTO_ESP, htonl(spi), host, hard);
  host->destroy(host);
}

/* Byte and packet limits are counted by the fast path; charon learns of them by asking once a second. */
static job_requeue_t poll_usage_limits(private_torwart_kernel_ipsec_t* this) {
  char error[ERROR_SIZE];
  if (torwart_poll_expiries(this->socket_path, (torwart_expiry_callback)expire_by_usage, this, error,
                            sizeof(error)) != 0) {
    DBG2(DBG_KNL, "torwart: %s", error);
  }
  return JOB_RESCHEDULE(1);
}

METHOD(kernel_ipsec_t, destroy, void, private_torwart_kernel_ipsec_t* this) {
  enumerator_t* enumerator = this->installed->create_enumerator(this->installed);
  const void* key;
  installed_t* entry;
  while (enumerator->enumerate(enumerator, &key, &entry)) free(entry);
  enumerator->destroy(enumerator);
  this->installed->destroy(this->installed);
  this->mutex->destroy(this->mutex);
  free(this->socket_path);
  free(this);
}

kernel_ipsec_t* torwart_kernel_ipsec_create(void) {
  private_torwart_kernel_ipsec_t* this;

  INIT(this,
       .public =
           {
               .get_features = _get_features,
               .get_spi = _get_spi,
               .get_cpi = _get_cpi,
               .add_sa = _add_sa,
               .update_sa = _update_sa,
               .query_sa = _query_sa,
               .del_sa = _del_sa,
               .flush_sas = _flush_sas,
               .add_policy = _add_policy,
               .query_policy = _query_policy,
               .del_policy = _del_policy,
               .flush_policies = _flush_policies,
               .bypass_socket = _bypass_socket,
               .enable_udp_decap = _enable_udp_decap,
               .destroy = _destroy,
           },
       .socket_path = strdup(lib->settings->get_str(lib->settings, "%s.plugins.torwart.socket",
                                                    "/run/torwart/control.sock", lib->ns)),
       .mutex = mutex_create(MUTEX_TYPE_DEFAULT),
       .installed = hashtable_create(spi_key_hash, spi_key_equals, 32), );
  DBG1(DBG_KNL, "torwart: SAs and policies go to the fast path at %s", this->socket_path);
  lib->scheduler->schedule_job(
      lib->scheduler, (job_t*)callback_job_create((callback_job_cb_t)poll_usage_limits, this, NULL, NULL), 1);
  return &this->public;
}
