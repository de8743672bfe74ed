#include <inpcb/compat.h>   /* the only change a BSD program needs */
#include <arpa/inet.h>
#include <stdio.h>

int main(void)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	struct pollfd p;
	socklen_t len = sizeof(me);
	char buf[64];
	ssize_t n;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    getsockname(s, (struct sockaddr *)&me, &len) < 0) {
		perror("socket/bind");
		return 1;
	}
	printf("bound to 127.0.0.1:%u\n", ntohs(me.sin_port));
	sendto(s, "hello", 5, 0, (struct sockaddr *)&me, sizeof(me));
	p.fd = s;
	p.events = POLLIN;
	if (poll(&p, 1, 1000) != 1 ||
	    (n = recvfrom(s, buf, sizeof(buf), 0, NULL, NULL)) != 5) {
		perror("poll/recvfrom");
		return 1;
	}
	printf("received %.*s\n", (int)n, buf);
	return close(s);
}
