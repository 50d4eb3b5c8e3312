#include "fds.h"
#include <fcntl.h>

#define EPOLL_CTL_ADD 1

/* EPOLL: a new instance with every registration added again, events and
 * data word as they were (a disarmed EPOLLONESHOT stays disarmed), once
 * every descriptor it watches is back. */
int restore_epoll(struct zq_header *h, const struct zq_fd *e)
{
	const struct zq_epoll_item *it = (const void *)saved(h, e);
	uint32_t i, n = e->data_len / sizeof *it;
	long fd, r;

	for (i = 0; i < n; i++) if (missing(it[i].fd)) return NOT_READY;
	fd = sys(SYS_epoll_create1, O_CLOEXEC, 0, 0);
	if (fd < 0) fd_die(e, "cannot make an epoll instance", fd);
	for (i = 0; i < n; i++) {
		struct { uint32_t events; uint64_t data; } __attribute__((packed)) ev = {
			it[i].events, it[i].data,
		};
		r = sys4(SYS_epoll_ctl, fd, EPOLL_CTL_ADD, it[i].fd, &ev);
		if (r < 0) fd_die(e, "cannot register a descriptor again", r);
	}
	place(e, fd);
	return 0;
}
