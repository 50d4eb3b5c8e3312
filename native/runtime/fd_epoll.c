#include "zq.h"
#include <string.h>

/* EPOLL: data: a zq_epoll_item per registration, read from fdinfo lines
 * "tfd: FD events: HEX data: HEX ...". */
void __zq_save_epoll(struct zq_fd *e)
{
	const char *l = __zq_fdinfo(e->fd);
	uint64_t first = -1;
	uint32_t n = 0;

	e->kind = ZQ_FD_EPOLL;
	for (; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : 0) {
		struct zq_epoll_item it;
		const char *v = l;
		uint64_t off;
		if (strncmp(l, "tfd:", 4)) continue;
		v += 4;
		it.fd = __zq_number(&v, 10);
		if (!(v = strstr(v, "events:"))) continue;
		v += 7;
		it.events = __zq_number(&v, 16);
		if (!(v = strstr(v, "data:"))) continue;
		v += 5;
		it.data = __zq_number(&v, 16);
		off = __zq_save_bytes(&it, sizeof it);
		if (off == (uint64_t)-1) break;
		if (!n++) first = off;
	}
	e->data_off = first;
	e->data_len = n * sizeof(struct zq_epoll_item);
}
