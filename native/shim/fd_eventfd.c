#include "fds.h"
#include <fcntl.h>

#define EFD_SEMAPHORE 1

/* EVENTFD: a new one with the saved counter. */
int restore_eventfd(struct zq_header *h, const struct zq_fd *e)
{
	(void)h;
	place(e, sys(SYS_eventfd2, e->arg.eventfd.count, O_CLOEXEC | (e->arg.eventfd.semaphore ? EFD_SEMAPHORE : 0), 0));
	return 0;
}
