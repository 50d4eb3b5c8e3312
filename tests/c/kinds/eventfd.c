/* eventfd: the counter survives; a reader blocked on a zero counter is
 * woken by a later write. */
#include "check.h"
#include <sys/eventfd.h>
#include <stdint.h>
#include <pthread.h>

static int late;

static void *poke(void *arg)
{
	(void)arg;
	hold(1.2);
	uint64_t one = 1;
	write(late, &one, 8);
	return 0;
}

int main(void)
{
	int e = eventfd(41, 0), s = eventfd(3, EFD_SEMAPHORE);
	uint64_t v = 0;
	pthread_t t;

	late = eventfd(0, 0);
	pthread_create(&t, 0, poke, 0);
	while (read(late, &v, 8) < 0 && errno == EINTR);
	CHECK(v == 1, "blocked reader woke with %llu", (unsigned long long)v);
	uint64_t one = 1;
	write(e, &one, 8);
	CHECK(read(e, &v, 8) == 8 && v == 42, "counter %llu, want 42", (unsigned long long)v);
	CHECK(read(s, &v, 8) == 8 && v == 1, "semaphore mode lost: %llu", (unsigned long long)v);
	pthread_join(t, 0);
	return verdict();
}
