/* charon's kernel-ipsec interface on torwart's fast path: SAs and policies go to `torwart run` over its
 * control socket instead of the Linux kernel's XFRM (which the appliance does not use for ESP). */
#ifndef TORWART_KERNEL_IPSEC_H
#define TORWART_KERNEL_IPSEC_H

#include <kernel/kernel_ipsec.h>

kernel_ipsec_t* torwart_kernel_ipsec_create(void);

#endif
