/* What inspect shows of a saved process besides its threads: one of each
 * common kernel object and a few signal dispositions. It sets them up,
 * prints its listening port and "ready", and waits (two more threads
 * blocked, one in pause, one on the epoll set) for the test to fail it
 * with `zhuque crash`. argv[1]: a directory for its file.
 *
 * Descriptors, in this order: 3 a file (offset 5), 4/5 a pipe holding 11
 * unread bytes, 6 a TCP socket listening on 127.0.0.1 (backlog 7,
 * SO_REUSEADDR), 7 an eventfd (counter 3), 8 an epoll set watching 5
 * (EPOLLIN, data 0x5555: a write end never reads ready) and 6
 * (EPOLLIN|EPOLLET, data 0x6666), 9 a dup of 3. Signal handlers: SIGUSR1
 * on_usr1 (SA_SIGINFO|SA_RESTART, blocking SIGTERM), SIGPIPE ignored,
 * SIGTERM on_term, SIGPWR on_power (kept by the runtime, not the kernel). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int pipe_fds[2], ep;

void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
}

void on_term(int sig)
{
	(void)sig;
}

void on_power(int sig)
{
	(void)sig;
}

static void *wait_signal(void *arg)
{
	(void)arg;
	for (;;) pause();
	return 0;
}

static void *wait_epoll(void *arg)
{
	struct epoll_event out[2];
	(void)arg;
	for (;;) epoll_wait(ep, out, 2, -1);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	struct sigaction sa = { 0 };
	struct epoll_event e;
	pthread_t t1, t2;
	int one = 1, file, sock;

	if (argc < 2) return 2;
	snprintf(path, sizeof path, "%s/objects.txt", argv[1]);
	file = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (file != 3 || write(file, "hello", 5) != 5) return 3;
	if (pipe(pipe_fds) || pipe_fds[0] != 4 || write(pipe_fds[1], "unread data", 11) != 11) return 4;
	sock = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sock != 6 || bind(sock, (struct sockaddr *)&a, sizeof a) || listen(sock, 7)) return 6;
	getsockname(sock, (struct sockaddr *)&a, &alen);
	if (eventfd(3, EFD_CLOEXEC) != 7) return 7;
	ep = epoll_create1(EPOLL_CLOEXEC);
	e = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 0x5555 };
	epoll_ctl(ep, EPOLL_CTL_ADD, pipe_fds[1], &e);
	e = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 0x6666 };
	epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e);
	if (ep != 8 || dup(file) != 9) return 8;

	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, 0);
	signal(SIGPIPE, SIG_IGN);
	sa = (struct sigaction){ .sa_handler = on_term };
	sigaction(SIGTERM, &sa, 0);
	signal(SIGPWR, on_power);

	pthread_create(&t1, 0, wait_signal, 0);
	pthread_create(&t2, 0, wait_epoll, 0);
	printf("port %d\nready\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) pause();
}
