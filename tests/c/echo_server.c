/* A small echo server: one epoll loop, a listening socket on 127.0.0.1,
 * and per-connection state in the heap. Each line "TEXT\n" gets
 * "TEXT #N\n", N counting that connection's lines from 1; "stats\n" gets
 * "served TOTAL\n", the lines answered since the server first started.
 *	echo_server PORT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

struct conn {
	int fd;
	long lines;
	size_t len;
	char buf[4096];
};

static long served;

static void reply(struct conn *c, const char *line)
{
	char out[4200];
	int n = !strcmp(line, "stats")
		? snprintf(out, sizeof out, "served %ld\n", served)
		: snprintf(out, sizeof out, "%s #%ld\n", line, ++c->lines);
	if (strcmp(line, "stats")) served++;
	if (write(c->fd, out, n) != n) shutdown(c->fd, SHUT_RDWR);
}

/* Returns 0 when the connection is finished. */
static int serve(struct conn *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
	if (n <= 0) return 0;
	c->len += n;
	c->buf[c->len] = 0;
	while ((nl = strchr(c->buf, '\n'))) {
		*nl = 0;
		reply(c, c->buf);
		c->len -= nl + 1 - c->buf;
		memmove(c->buf, nl + 1, c->len + 1);
	}
	return c->len < sizeof c->buf - 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev, out[64];
	int one = 1, ep, l, i, n;

	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons(argc > 1 ? atoi(argv[1]) : 22122);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (void *)&a, sizeof a) || listen(l, 64)) { perror("listen"); return 1; }
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = 0;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("listening on %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, out, 64, -1);
		for (i = 0; i < n; i++) {
			struct conn *c = out[i].data.ptr;
			if (!c) {
				int fd = accept4(l, 0, 0, SOCK_NONBLOCK);
				if (fd < 0) continue;
				c = calloc(1, sizeof *c);
				c->fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			} else if (!serve(c)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, 0);
				close(c->fd);
				free(c);
			}
		}
	}
}
