#include "platform/kernel_twins.hpp"

#include <cstdio>
#include <stdexcept>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

namespace torwart::platform {
namespace {

std::string vdev_name(const TwinRequest& twin) {
  return "net_tap_twin_" + twin.interface;
}

[[noreturn]] void fail(const TwinRequest& twin, const std::string& what, int code) {
  throw std::runtime_error("kernel twin '" + twin.interface + "': " + what + ": " +
                           rte_strerror(code < 0 ? -code : code));
}

}  // namespace

std::string twin_devargs(const TwinRequest& twin) {
  char mac[RTE_ETHER_ADDR_FMT_SIZE];
  rte_ether_format_addr(mac, sizeof mac, &twin.mac);
  return "iface=" + twin.interface + ",mac=" + mac;
}

std::vector<OpenTwin> open_twins(const std::vector<TwinRequest>& twins, unsigned rx_descriptors,
                                 unsigned tx_descriptors, rte_mempool* pool) {
  std::vector<OpenTwin> opened;
  for (const auto& twin : twins) {
    const std::string name = vdev_name(twin);
    // Probed after the EAL started, once the data port's MAC is known (hot-plug, as testpmd's `port attach`).
    if (int rc = rte_dev_probe((name + "," + twin_devargs(twin)).c_str()); rc != 0)
      fail(twin, "cannot create " + name + " (is /dev/net/tun there, is the name free?)", rc);
    OpenTwin open{twin.interface, twin.data_port, 0};
    if (rte_eth_dev_get_port_by_name(name.c_str(), &open.twin_port) != 0)
      throw std::runtime_error("kernel twin '" + twin.interface + "': " + name + " has no port");
    rte_eth_conf conf{};
    conf.rxmode.mtu = twin.mtu;
    if (int rc = rte_eth_dev_configure(open.twin_port, 1, 1, &conf); rc != 0) fail(twin, "configure", rc);
    auto rx = static_cast<uint16_t>(rx_descriptors), tx = static_cast<uint16_t>(tx_descriptors);
    rte_eth_dev_adjust_nb_rx_tx_desc(open.twin_port, &rx, &tx);
    const int socket = rte_eth_dev_socket_id(open.twin_port);
    if (int rc = rte_eth_rx_queue_setup(open.twin_port, 0, rx, socket, nullptr, pool); rc != 0)
      fail(twin, "receive queue", rc);
    if (int rc = rte_eth_tx_queue_setup(open.twin_port, 0, tx, socket, nullptr); rc != 0)
      fail(twin, "transmit queue", rc);
    if (int rc = rte_eth_dev_set_mtu(open.twin_port, static_cast<uint16_t>(twin.mtu)); rc != 0)
      fail(twin, "MTU " + std::to_string(twin.mtu), rc);
    if (int rc = rte_eth_dev_start(open.twin_port); rc != 0) fail(twin, "start", rc);
    opened.push_back(open);
  }
  follow_data_links(opened);
  return opened;
}

void follow_data_links(const std::vector<OpenTwin>& twins) {
  for (const auto& twin : twins) {
    rte_eth_link data{}, kernel{};
    if (rte_eth_link_get_nowait(twin.data_port, &data) != 0) continue;
    if (rte_eth_link_get_nowait(twin.twin_port, &kernel) != 0) continue;
    if (data.link_status == kernel.link_status) continue;
    if (data.link_status == RTE_ETH_LINK_UP)
      rte_eth_dev_set_link_up(twin.twin_port);
    else
      rte_eth_dev_set_link_down(twin.twin_port);
  }
}

void close_twins(const std::vector<OpenTwin>& twins) {
  for (const auto& twin : twins) {
    rte_eth_dev_stop(twin.twin_port);
    rte_eth_dev_close(twin.twin_port);
  }
}

}  // namespace torwart::platform
