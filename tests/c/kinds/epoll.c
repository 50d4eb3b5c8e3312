/* epoll: every registration with its events and data word; a thread
 * blocked in epoll_wait sees the event that comes after the failure. */
#include "check.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <stdint.h>
#include <pthread.h>

static int ev1, ev2;

static void *poke(void *arg)
{
	(void)arg;
	hold(1.2);
	uint64_t one = 1;
	write(ev2, &one, 8);
	return 0;
}

int main(void)
{
	int ep = epoll_create1(0), n;
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0x1111 }, out[4];
	pthread_t t;

	ev1 = eventfd(0, 0);
	ev2 = eventfd(0, 0);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev1, &e);
	e.data.u64 = 0x2222;
	e.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_ADD, ev2, &e);
	pthread_create(&t, 0, poke, 0);
	do n = epoll_wait(ep, out, 4, 5000); while (n < 0 && errno == EINTR);
	CHECK(n == 1 && out[0].data.u64 == 0x2222, "blocked epoll_wait: %d events, data %llx", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
	uint64_t one = 1;
	write(ev1, &one, 8);
	n = epoll_wait(ep, out, 4, 100);
	CHECK(n == 1 && out[0].data.u64 == 0x1111, "second registration: %d events", n);
	pthread_join(t, 0);
	return verdict();
}
