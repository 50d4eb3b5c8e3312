/* A pipe with unread bytes, and a reader blocked on an empty pipe that
 * a writer thread fills after the failure window. */
#include "check.h"
#include <pthread.h>

static int q[2];

static void *late_writer(void *arg)
{
	(void)arg;
	hold(1.2);
	write(q[1], "late", 4);
	return 0;
}

int main(void)
{
	int p[2];
	char buf[32] = {0};
	pthread_t t;

	pipe(p);
	pipe(q);
	write(p[1], "unread bytes", 12);
	pthread_create(&t, 0, late_writer, 0);
	ssize_t n;
	while ((n = read(q[0], buf, sizeof buf)) < 0 && errno == EINTR);
	CHECK(n == 4 && !memcmp(buf, "late", 4), "blocked reader got %zd '%s'", n, buf);
	memset(buf, 0, sizeof buf);
	CHECK(read(p[0], buf, sizeof buf) == 12 && !strcmp(buf, "unread bytes"), "unread bytes: '%s'", buf);
	CHECK(write(p[1], "more", 4) == 4, "write end");
	CHECK(read(p[0], buf, 4) == 4 && !memcmp(buf, "more", 4), "pipe still connects its ends");
	pthread_join(t, 0);
	return verdict();
}
