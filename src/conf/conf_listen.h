/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The API's listen address, "127.0.0.1:8080" or "[::1]:8080": one parser
 * for --check and for start-up, so that what the one accepts the other
 * can bind.  Numeric addresses only: there is no resolver at start-up.
 */
#ifndef CONF_LISTEN_H
#define CONF_LISTEN_H

#include <sys/socket.h>

/* 0, or -EINVAL; @ss holds an AF_INET or AF_INET6 address. */
int conf_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif
