/*
 * counters.h - printing a vnet's UDP, IP and ICMP counters the way
 * `netstat -s -p udp` does, each line ending in the counter's field name
 * so scripts can pick a value out: `awk '/\(udps_noport\)/ {print $1}'`.
 */
#ifndef INPCB_TOOL_COUNTERS_H
#define INPCB_TOOL_COUNTERS_H

#include <inpcb/inpcb.h>

#include <stdio.h>

/* Print the counters of vnet to f; 0 or the library's negative errno. */
int print_counters(FILE *f, struct inp_vnet *vnet);

#endif
