#include "zq.h"

/* TIMERFD: arg[0] the clock, arg[1] ns left before it fires (0: disarmed),
 * arg[2] the interval in ns. */
static uint64_t timespec_ns(const char *v)
{
	uint64_t s = __zq_number(&v, 10);
	return s * 1000000000ULL + __zq_number(&v, 10);
}

void __zq_save_timerfd(struct zq_fd *e)
{
	const char *info = __zq_fdinfo(e->fd), *v;

	e->kind = ZQ_FD_TIMERFD;
	if ((v = __zq_field(info, "clockid"))) e->arg[0] = __zq_number(&v, 10);
	if ((v = __zq_field(info, "it_value"))) e->arg[1] = timespec_ns(v);
	if ((v = __zq_field(info, "it_interval"))) e->arg[2] = timespec_ns(v);
}
