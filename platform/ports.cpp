#include "platform/ports.hpp"

#include <stdexcept>

#include <rte_errno.h>
#include <rte_ethdev.h>

namespace torwart::platform {
namespace {

// A Toeplitz key of one repeated 16-bit pattern hashes (a, b) and (b, a) alike: symmetric RSS.
constexpr uint8_t kSymmetricRssKey[40] = {0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                          0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                          0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
                                          0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};
constexpr uint64_t kRssTypes = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

[[noreturn]] void fail(const PortRequest& port, const std::string& what, int code) {
  throw std::runtime_error("port '" + port.name + "' (" + port.device_name + "): " + what + ": " +
                           rte_strerror(code < 0 ? -code : code));
}

}  // namespace

std::vector<OpenPort> open_ports(const std::vector<PortRequest>& ports, const QueueRequest& d,
                                 rte_mempool* pool) {
  std::vector<OpenPort> opened;
  for (const auto& port : ports) {
    OpenPort open;
    open.name = port.name;
    const std::string& name = port.device_name;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &open.port_id) != 0) {
      throw std::runtime_error("port '" + port.name + "': device " + name + " did not come up (is " +
                               (port.device.empty() ? std::string("the backend") : "'" + port.device + "'") +
                               " present?)");
    }
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(open.port_id, &info); rc != 0) fail(port, "device info", rc);
    open.driver = info.driver_name;

    const uint16_t wanted_tx = static_cast<uint16_t>(d.workers + 1);
    if (info.max_tx_queues < wanted_tx) {
      throw std::runtime_error("port '" + port.name + "': needs " + std::to_string(wanted_tx) +
                               " transmit queues (workers + 1), device offers " +
                               std::to_string(info.max_tx_queues));
    }
    rte_eth_conf conf{};
    const bool rss_capable = (info.flow_type_rss_offloads & kRssTypes) != 0 &&
                             info.max_rx_queues >= d.workers && info.hash_key_size == sizeof kSymmetricRssKey;
    const bool use_rss = d.workers > 1 && rss_capable && port.rss != RssChoice::kNever;
    if (port.rss == RssChoice::kRequired && !rss_capable && d.workers > 1) {
      throw std::runtime_error("port '" + port.name + "': distribution rss requested, but " + open.driver +
                               " has no RSS with a 40-byte key; use software or auto");
    }
    if (use_rss) {
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_key = const_cast<uint8_t*>(kSymmetricRssKey);
      conf.rx_adv_conf.rss_conf.rss_key_len = sizeof kSymmetricRssKey;
      conf.rx_adv_conf.rss_conf.rss_hf = kRssTypes & info.flow_type_rss_offloads;
      open.rx_queues = static_cast<uint16_t>(d.workers);
      open.symmetric_rss = true;
    } else {
      // As many receive as transmit queues where the device allows (tap insists on it; af_packet spreads
      // frames over all its queue pairs), spread over the workers; software distribution sorts the flows.
      open.rx_queues = std::min<uint16_t>(info.max_rx_queues, wanted_tx);
    }
    open.tx_queues = wanted_tx;
    const uint32_t frame = port.mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 4;  // room for one VLAN tag
    if (frame > RTE_MBUF_DEFAULT_DATAROOM) {
      throw std::runtime_error("port '" + port.name + "': MTU " + std::to_string(port.mtu) +
                               " needs jumbo buffers, not supported yet");
    }
    conf.rxmode.mtu = port.mtu;
    if (int rc = rte_eth_dev_configure(open.port_id, open.rx_queues, open.tx_queues, &conf); rc != 0) {
      fail(port, "configure", rc);
    }
    uint16_t rx_descriptors = static_cast<uint16_t>(d.rx_descriptors),
             tx_descriptors = static_cast<uint16_t>(d.tx_descriptors);
    rte_eth_dev_adjust_nb_rx_tx_desc(open.port_id, &rx_descriptors, &tx_descriptors);
    const int socket = rte_eth_dev_socket_id(open.port_id);
    for (uint16_t q = 0; q < open.rx_queues; ++q) {
      if (int rc = rte_eth_rx_queue_setup(open.port_id, q, rx_descriptors, socket, nullptr, pool); rc != 0) {
        fail(port, "receive queue " + std::to_string(q), rc);
      }
    }
    for (uint16_t q = 0; q < open.tx_queues; ++q) {
      if (int rc = rte_eth_tx_queue_setup(open.port_id, q, tx_descriptors, socket, nullptr); rc != 0) {
        fail(port, "transmit queue " + std::to_string(q), rc);
      }
    }
    if (port.mac) {
      rte_ether_addr mac{};
      std::copy(port.mac->begin(), port.mac->end(), mac.addr_bytes);
      // Not every backend can change its address; then the configured MAC is still what torwart sends from
      // and accepts, and promiscuous mode below lets those frames in.
      rte_eth_dev_default_mac_addr_set(open.port_id, &mac);
    }
    if (int rc = rte_eth_dev_start(open.port_id); rc != 0) fail(port, "start", rc);
    rte_eth_promiscuous_enable(open.port_id);
    rte_eth_allmulticast_enable(open.port_id);
    rte_eth_macaddr_get(open.port_id, &open.mac);
    opened.push_back(open);
  }
  return opened;
}

void stop_ports(const std::vector<OpenPort>& ports) {
  for (const auto& port : ports) {
    rte_eth_dev_stop(port.port_id);
    rte_eth_dev_close(port.port_id);
  }
}

PortStatus port_status(uint16_t port_id) {
  PortStatus status;
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(port_id, &link) == 0) {
    status.link_up = link.link_status == RTE_ETH_LINK_UP;
    status.speed_mbps = link.link_speed;
  }
  rte_eth_stats stats{};
  if (rte_eth_stats_get(port_id, &stats) == 0) {
    status.rx_missed = stats.imissed;
    status.rx_errors = stats.ierrors;
    status.tx_errors = stats.oerrors;
  }
  return status;
}

}  // namespace torwart::platform
