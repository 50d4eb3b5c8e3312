#include "zq.h"

/* EVENTFD: arg[0] the counter, arg[1] 1 for EFD_SEMAPHORE. */
void __zq_save_eventfd(struct zq_fd *e)
{
	const char *info = __zq_fdinfo(e->fd), *v;

	e->kind = ZQ_FD_EVENTFD;
	if ((v = __zq_field(info, "eventfd-count"))) e->arg[0] = __zq_number(&v, 16);
	if ((v = __zq_field(info, "eventfd-semaphore"))) e->arg[1] = __zq_number(&v, 10);
}
