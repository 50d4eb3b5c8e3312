#include "zq.h"

/* EVENTFD: its counter and mode (struct zq_fd_eventfd). */
void __zq_save_eventfd(struct zq_fd *e)
{
	const char *info = __zq_fdinfo(e->fd), *v;

	e->kind = ZQ_FD_EVENTFD;
	if ((v = __zq_field(info, "eventfd-count"))) e->arg.eventfd.count = __zq_number(&v, 16);
	if ((v = __zq_field(info, "eventfd-semaphore"))) e->arg.eventfd.semaphore = __zq_number(&v, 10);
}
