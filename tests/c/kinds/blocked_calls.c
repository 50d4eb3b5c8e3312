/* Threads blocked in system calls when the failure comes carry on after
 * the resume: one in read on a pipe, one in accept on a listening socket,
 * one in epoll_wait, one in pthread_cond_wait, one in nanosleep. After the
 * hold the main thread releases each (bytes into the pipe, a connection,
 * an eventfd tick, a signal of the condition) and checks what each got.
 * A SIGKILL shows the kernel's restart codes in rax at the exit stop; the
 * guard must finish them as a signal's return does. */
#include "check.h"
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

static int pfd[2], lsock, ep, efd;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int go, got_read, got_accept, got_epoll, got_cond, got_sleep;

static void *reader(void *a)
{
	char b[8] = "";
	ssize_t n;
	(void)a;
	while ((n = read(pfd[0], b, 5)) < 0 && errno == EINTR);
	got_read = n == 5 && !memcmp(b, "hello", 5);
	return 0;
}

static void *acceptor(void *a)
{
	int s;
	(void)a;
	while ((s = accept(lsock, 0, 0)) < 0 && errno == EINTR);
	got_accept = s >= 0;
	return 0;
}

static void *poller(void *a)
{
	struct epoll_event ev;
	int n;
	(void)a;
	while ((n = epoll_wait(ep, &ev, 1, -1)) < 0 && errno == EINTR);
	got_epoll = n == 1 && ev.data.u64 == 42;
	return 0;
}

static void *waiter(void *a)
{
	(void)a;
	pthread_mutex_lock(&m);
	while (!go) pthread_cond_wait(&c, &m);
	got_cond = 1;
	pthread_mutex_unlock(&m);
	return 0;
}

static void *sleeper(void *a)
{
	(void)a;
	hold(1.3);
	got_sleep = 1;
	return 0;
}

int main(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	void *(*fn[])(void *) = { reader, acceptor, poller, waiter, sleeper };
	pthread_t t[5];
	uint64_t one = 1;
	int i, cs;

	pipe(pfd);
	lsock = socket(AF_INET, SOCK_STREAM, 0);
	bind(lsock, (void *)&addr, sizeof addr);
	listen(lsock, 4);
	getsockname(lsock, (void *)&addr, &len);
	ep = epoll_create1(0);
	efd = eventfd(0, 0);
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	for (i = 0; i < 5; i++) pthread_create(&t[i], 0, fn[i], 0);

	hold(1.2);

	CHECK(write(pfd[1], "hello", 5) == 5, "write to the pipe: %s", strerror(errno));
	cs = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(!connect(cs, (void *)&addr, sizeof addr), "connect to the listening socket: %s", strerror(errno));
	CHECK(write(efd, &one, 8) == 8, "eventfd write: %s", strerror(errno));
	pthread_mutex_lock(&m);
	go = 1;
	pthread_cond_broadcast(&c);
	pthread_mutex_unlock(&m);
	for (i = 0; i < 5; i++) pthread_join(t[i], 0);
	CHECK(got_read, "read on the pipe did not get its bytes");
	CHECK(got_accept, "accept did not get the connection");
	CHECK(got_epoll, "epoll_wait did not see the eventfd");
	CHECK(got_cond, "pthread_cond_wait was not woken");
	CHECK(got_sleep, "nanosleep did not finish");
	return verdict();
}
