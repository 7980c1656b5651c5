/* The charon plugin "torwart": registers torwart's fast path as charon's kernel-ipsec backend. Loaded
 * before kernel-netlink, it takes the kernel-ipsec role first, so XFRM is never asked for an SA; charon's
 * networking (addresses and routes of the kernel twins) stays with kernel-netlink. */
#include <daemon.h>
#include <plugins/plugin.h>

#include "torwart_kernel_ipsec.h"

typedef struct {
  plugin_t plugin;
} private_torwart_plugin_t;

METHOD(plugin_t, get_name, char*, private_torwart_plugin_t* this) {
  return "torwart";
}

METHOD(plugin_t, get_features, int, private_torwart_plugin_t* this, plugin_feature_t* features[]) {
  static plugin_feature_t list[] = {
      PLUGIN_CALLBACK(kernel_ipsec_register, torwart_kernel_ipsec_create),
      PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
  };
  *features = list;
  return countof(list);
}

METHOD(plugin_t, destroy, void, private_torwart_plugin_t* this) {
  free(this);
}

plugin_t* torwart_plugin_create(void);

plugin_t* torwart_plugin_create(void) {
  private_torwart_plugin_t* this;
  INIT(this,
       .plugin = {
           .get_name = _get_name,
           .get_features = _get_features,
           .destroy = _destroy,
       }, );
  return &this->plugin;
}
