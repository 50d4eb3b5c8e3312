/* timerfd: re-armed with the time it had left; a periodic one keeps its
 * interval. */
#include "check.h"
#include <sys/timerfd.h>
#include <stdint.h>

int main(void)
{
	int once = timerfd_create(CLOCK_MONOTONIC, 0), tick = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec a = { {0, 0}, {60, 0} }, b = { {0, 50000000}, {0, 50000000} }, g;
	uint64_t n = 0;

	timerfd_settime(once, 0, &a, 0);
	timerfd_settime(tick, 0, &b, 0);
	hold(1.5);
	timerfd_gettime(once, &g);
	CHECK(g.it_value.tv_sec >= 50 && g.it_value.tv_sec < 60, "one-shot has %lds left", (long)g.it_value.tv_sec);
	timerfd_gettime(tick, &g);
	CHECK(g.it_interval.tv_nsec == 50000000, "interval lost");
	CHECK(read(tick, &n, 8) == 8 && n >= 1, "periodic timer does not fire");
	return verdict();
}
