#include "fds.h"
#include <fcntl.h>
#include <time.h>

/* TIMERFD: a new one, armed with the time it had left and its interval.
 * A periodic timer with expirations not yet read is not running (the
 * kernel forwards it on read), so it has no time left: it comes back
 * firing at once. */
int restore_timerfd(struct zq_header *h, const struct zq_fd *e)
{
	struct itimerspec its = {
		{ e->arg[2] / 1000000000, e->arg[2] % 1000000000 },
		{ e->arg[1] / 1000000000, e->arg[1] % 1000000000 },
	};
	long fd = sys(SYS_timerfd_create, e->arg[0], O_CLOEXEC, 0);

	(void)h;
	if (!e->arg[1] && e->arg[2]) its.it_value.tv_nsec = 1;
	if (fd >= 0 && (e->arg[1] || e->arg[2])) sys4(SYS_timerfd_settime, fd, 0, &its, 0);
	place(e, fd);
	return 0;
}
