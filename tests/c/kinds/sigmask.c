/* Threads waiting with every signal blocked, the way programs do it:
 * sigsuspend, ppoll, pselect and epoll_pwait with a mask from sigfillset,
 * sigwaitinfo on a full set, a handler whose sa_mask blocks everything,
 * and a mask set through syscall(). The failure must still capture each
 * of them, and each wait must end as it would have. */
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

static int wake[2];
static volatile sig_atomic_t usr1, in_handler;
static pthread_t suspender, waiter;
static void *late_wake(void *);
static int results[6];

static void on_usr1(int sig) { (void)sig; usr1 = 1; }

static sigset_t all_but(int sig)
{
	sigset_t m;
	sigfillset(&m);
	if (sig) sigdelset(&m, sig);
	return m;
}

static void *suspend_waiter(void *arg)
{
	sigset_t m = all_but(0);
	(void)arg;
	pthread_sigmask(SIG_BLOCK, &m, 0);
	m = all_but(SIGUSR1);
	while (!usr1) sigsuspend(&m);
	results[0] = 1;
	return 0;
}

static void *ppoll_waiter(void *arg)
{
	sigset_t m = all_but(0);
	struct pollfd p = { wake[0], POLLIN, 0 };
	int r;
	(void)arg;
	while ((r = ppoll(&p, 1, 0, &m)) < 0 && errno == EINTR);
	results[1] = r == 1 && (p.revents & POLLIN);
	return 0;
}

static void *pselect_waiter(void *arg)
{
	sigset_t m = all_but(0);
	fd_set r;
	int n;
	(void)arg;
	do {
		FD_ZERO(&r);
		FD_SET(wake[0], &r);
	} while ((n = pselect(wake[0] + 1, &r, 0, 0, 0, &m)) < 0 && errno == EINTR);
	results[2] = n == 1 && FD_ISSET(wake[0], &r);
	return 0;
}

static void *epoll_waiter(void *arg)
{
	sigset_t m = all_but(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	int ep = epoll_create1(0), n;
	(void)arg;
	epoll_ctl(ep, EPOLL_CTL_ADD, wake[0], &ev);
	while ((n = epoll_pwait(ep, &ev, 1, -1, &m)) < 0 && errno == EINTR);
	results[3] = n == 1 && ev.data.u64 == 42;
	return 0;
}

static void *sigwait_waiter(void *arg)
{
	sigset_t m = all_but(0);
	siginfo_t si;
	int s;
	(void)arg;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, 0, _NSIG / 8);
	while ((s = sigwaitinfo(&m, &si)) < 0 && errno == EINTR);
	results[4] = s == SIGUSR2;
	return 0;
}

/* The handler blocks every signal while it waits for the pipe. */
static void on_usr2(int sig)
{
	char c;
	(void)sig;
	in_handler = 1;
	while (read(wake[0], &c, 1) < 0 && errno == EINTR);
	results[5] = c == 'x';
}

int main(void)
{
	pthread_t t[4];
	struct sigaction sa = { .sa_handler = on_usr1 };
	int i;

	pipe(wake);
	sigaction(SIGUSR1, &sa, 0);
	sa.sa_handler = on_usr2;
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, 0);
	pthread_create(&suspender, 0, suspend_waiter, 0);
	pthread_create(&t[0], 0, ppoll_waiter, 0);
	pthread_create(&t[1], 0, pselect_waiter, 0);
	pthread_create(&t[2], 0, epoll_waiter, 0);
	pthread_create(&waiter, 0, sigwait_waiter, 0);

	/* The main thread sits in the SIGUSR2 handler through the failure
	 * window; a helper ends every wait after it. */
	pthread_create(&t[3], 0, late_wake, 0);
	raise(SIGUSR2);
	for (i = 0; i < 4; i++) pthread_join(t[i], 0);
	pthread_join(suspender, 0);
	pthread_join(waiter, 0);
	CHECK(in_handler, "the handler ran");
	CHECK(results[0], "sigsuspend ended by SIGUSR1");
	CHECK(results[1], "ppoll saw the pipe");
	CHECK(results[2], "pselect saw the pipe");
	CHECK(results[3], "epoll_pwait saw the pipe");
	CHECK(results[4], "sigwaitinfo took SIGUSR2");
	CHECK(results[5], "the handler read its byte");
	return verdict();
}

static void *late_wake(void *arg)
{
	(void)arg;
	hold(1.2);
	write(wake[1], "x", 1);   /* the handler's byte */
	hold(0.1);
	write(wake[1], "yyy", 3); /* ppoll, pselect, epoll_pwait */
	pthread_kill(suspender, SIGUSR1);
	pthread_kill(waiter, SIGUSR2);
	return 0;
}
