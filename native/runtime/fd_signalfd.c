#include "zq.h"

/* SIGNALFD: arg[0] the signal mask. */
void __zq_save_signalfd(struct zq_fd *e)
{
	const char *info = __zq_fdinfo(e->fd), *v;

	e->kind = ZQ_FD_SIGNALFD;
	if ((v = __zq_field(info, "sigmask"))) e->arg[0] = __zq_number(&v, 16);
}
