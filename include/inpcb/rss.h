/*
 * inpcb/rss.h - the Toeplitz hash used by RSS NICs (spec section 5).
 *
 * Pure functions: no state, safe from any thread.
 */
#ifndef INPCB_RSS_H
#define INPCB_RSS_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INP_RSS_KEYLEN 40

/* Microsoft's published key, FreeBSD's default (RSS-5). */
extern const uint8_t inp_rss_default_key[INP_RSS_KEYLEN];

/* Toeplitz hash of data[0..len) under key (len at most 36 bytes). */
uint32_t inp_toeplitz(const uint8_t key[INP_RSS_KEYLEN], const void *data,
                      size_t len);

/*
 * Hash of a received packet's tuple: 2-tuple (addresses only) when
 * with_ports is false, 4-tuple otherwise.  src and dst are sockaddr_in or
 * sockaddr_in6 of the same family, ports in network order as stored.
 */
uint32_t inp_rss_hash(const uint8_t key[INP_RSS_KEYLEN],
                      const struct sockaddr *src, const struct sockaddr *dst,
                      bool with_ports);

#ifdef __cplusplus
}
#endif
#endif
