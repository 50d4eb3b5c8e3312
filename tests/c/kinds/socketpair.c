/* socketpairs whose two ends the program holds: stream, datagram and
 * seqpacket, with unread bytes at both ends (messages keep their
 * boundaries), and a reader blocked on an empty pair that a writer thread
 * fills after the failure window. Both ends must still be connected. */
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

static int t[2];

static void *late_writer(void *arg)
{
	(void)arg;
	hold(1.2);
	write(t[1], "late", 4);
	return 0;
}

static void connected(int a, int b, const char *what)
{
	char buf[8] = { 0 };
	CHECK(send(a, "ping", 4, MSG_NOSIGNAL) == 4, "%s: a write fails", what);
	CHECK(recv(b, buf, sizeof buf, MSG_DONTWAIT) == 4 && !memcmp(buf, "ping", 4), "%s: the other end got '%s'", what, buf);
	CHECK(send(b, "pong", 4, MSG_NOSIGNAL) == 4, "%s: a write back fails", what);
	CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT) == 4 && !memcmp(buf, "pong", 4), "%s: the first end got '%s'", what, buf);
}

static void message(int fd, const char *want, const char *what)
{
	char buf[64] = { 0 };
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	CHECK(n == (ssize_t)strlen(want) && !memcmp(buf, want, n), "%s: got %zd '%s', want '%s'", what, n, buf, want);
}

int main(void)
{
	int s[2], d[2], q[2];
	char buf[32] = { 0 };
	pthread_t th;
	ssize_t n;

	signal(SIGPIPE, SIG_DFL);
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
	socketpair(AF_UNIX, SOCK_STREAM, 0, t);
	write(s[0], "to the second ", 14);
	write(s[0], "end", 3);
	write(s[1], "to the first", 12);
	send(d[0], "one", 3, 0);
	send(d[0], "second one", 10, 0);
	send(d[0], "3", 1, 0);
	send(d[1], "back", 4, 0);
	send(q[1], "seq one", 7, 0);
	send(q[1], "seq two!", 8, 0);
	pthread_create(&th, 0, late_writer, 0);
	while ((n = read(t[0], buf, sizeof buf)) < 0 && errno == EINTR);
	CHECK(n == 4 && !memcmp(buf, "late", 4), "blocked reader got %zd '%s'", n, buf);

	message(s[1], "to the second end", "stream, second end");
	message(s[0], "to the first", "stream, first end");
	message(d[1], "one", "datagram 1");
	message(d[1], "second one", "datagram 2");
	message(d[1], "3", "datagram 3");
	message(d[0], "back", "datagram back");
	message(q[0], "seq one", "seqpacket 1");
	message(q[0], "seq two!", "seqpacket 2");
	connected(s[0], s[1], "stream");
	connected(d[0], d[1], "datagram");
	connected(q[0], q[1], "seqpacket");
	connected(t[0], t[1], "blocked pair");
	pthread_join(th, 0);
	return verdict();
}
