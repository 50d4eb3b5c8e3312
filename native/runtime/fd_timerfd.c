#include "zq.h"

/* TIMERFD: its clock, time left and interval (struct zq_fd_timerfd). */
static uint64_t timespec_ns(const char *v)
{
	uint64_t s = __zq_number(&v, 10);
	return s * 1000000000ULL + __zq_number(&v, 10);
}

void __zq_save_timerfd(struct zq_fd *e)
{
	const char *info = __zq_fdinfo(e->fd), *v;

	e->kind = ZQ_FD_TIMERFD;
	if ((v = __zq_field(info, "clockid"))) e->arg.timerfd.clock = __zq_number(&v, 10);
	if ((v = __zq_field(info, "it_value"))) e->arg.timerfd.value_ns = timespec_ns(v);
	if ((v = __zq_field(info, "it_interval"))) e->arg.timerfd.interval_ns = timespec_ns(v);
}
