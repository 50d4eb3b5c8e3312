#include "zq.h"

/* SIGNALFD: its mask (struct zq_fd_signalfd). */
void __zq_save_signalfd(struct zq_fd *e)
{
	const char *info = __zq_fdinfo(e->fd), *v;

	e->kind = ZQ_FD_SIGNALFD;
	if ((v = __zq_field(info, "sigmask"))) e->arg.signalfd.mask = __zq_number(&v, 16);
}
