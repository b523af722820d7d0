// SPDX-License-Identifier: GPL-2.0
/* The API's listen address; see conf_listen.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "conf/conf_listen.h"

/* 1-65535 in plain decimal: no sign, no leading zero, no spaces. */
static int parse_port(const char *s)
{
	long port = 0;

	if (!*s || *s == '0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		port = port * 10 + (*s - '0');
		if (port > 65535)
			return -EINVAL;
	}
	return port;
}

int conf_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const char *colon = s ? strrchr(s, ':') : NULL;
	char host[INET6_ADDRSTRLEN];
	size_t n;
	int port;

	if (!colon)
		return -EINVAL;
	port = parse_port(colon + 1);
	n = colon - s;
	if (port < 0 || n < 1 || n >= sizeof(host) + 2)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {		/* an IPv6 address is bracketed, as in URLs */
		if (n < 3 || s[n - 1] != ']')
			return -EINVAL;
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	*len = sizeof(*sin);
	return 0;
}
