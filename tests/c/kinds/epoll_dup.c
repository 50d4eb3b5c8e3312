/* An epoll set that watches a dup'd descriptor (and is numbered below
 * it): the dup must be back before the set registers it again. */
#include "check.h"
#include <pthread.h>
#include <sys/epoll.h>

static int p[2];

static void *late_writer(void *arg)
{
	(void)arg;
	hold(1.2);
	write(p[1], "late", 4);
	return 0;
}

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 }, got = { 0 };
	int ep = epoll_create1(0), d;
	char buf[8] = { 0 };
	pthread_t t;
	int n;

	pipe(p);
	d = dup(p[0]);
	epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev);
	pthread_create(&t, 0, late_writer, 0);
	while ((n = epoll_wait(ep, &got, 1, -1)) < 0 && errno == EINTR);
	CHECK(n == 1 && got.data.u64 == 0x1234, "epoll_wait gave %d, data %llx", n, (unsigned long long)got.data.u64);
	CHECK(read(d, buf, 4) == 4 && !memcmp(buf, "late", 4), "the dup reads the pipe: '%s'", buf);
	pthread_join(t, 0);
	return verdict();
}
