#include "fds.h"
#include <fcntl.h>
#include <time.h>

/* TIMERFD: a new one, armed with the time it had left and its interval.
 * A periodic timer with expirations not yet read is not running (the
 * kernel forwards it on read), so it has no time left: it comes back
 * firing at once. */
int restore_timerfd(struct zq_header *h, const struct zq_fd *e)
{
	const struct zq_fd_timerfd *t = &e->arg.timerfd;
	struct itimerspec its = {
		{ t->interval_ns / 1000000000, t->interval_ns % 1000000000 },
		{ t->value_ns / 1000000000, t->value_ns % 1000000000 },
	};
	long fd = sys(SYS_timerfd_create, t->clock, O_CLOEXEC, 0);

	(void)h;
	if (!t->value_ns && t->interval_ns) its.it_value.tv_nsec = 1;
	if (fd >= 0 && (t->value_ns || t->interval_ns)) sys4(SYS_timerfd_settime, fd, 0, &its, 0);
	place(e, fd);
	return 0;
}
