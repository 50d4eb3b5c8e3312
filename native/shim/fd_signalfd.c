#include "fds.h"
#include <fcntl.h>

/* SIGNALFD: a new one with the saved mask. */
int restore_signalfd(struct zq_header *h, const struct zq_fd *e)
{
	uint64_t mask = e->arg.signalfd.mask;

	(void)h;
	place(e, sys4(SYS_signalfd4, -1, &mask, 8, O_CLOEXEC));
	return 0;
}
