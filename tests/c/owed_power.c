/* Listens on 127.0.0.1:PORT, so that a test holding that port can keep
 * a resume waiting in its bind, and counts its SIGPWR handler's calls:
 * one is owed after each resume, never at failure time. Prints "ready",
 * "notified N" at each call, and after SECONDS of running (counted
 * across failures) "no failure, N calls" and exits 0. The handler then
 * works for 5 s, longer than a capture waits for a thread, while a second
 * thread sleeps: a failure during the handler must stop its thread too.
 *	owed_power PORT SECONDS */
#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t calls;

static void on_power(int sig)
{
	char line[32];
	struct timespec start, now;
	int n;

	(void)sig;
	n = snprintf(line, sizeof line, "notified %d\n", (int)++calls);
	write(1, line, n);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do clock_gettime(CLOCK_MONOTONIC, &now);
	while (now.tv_sec - start.tv_sec < 5);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) pause();
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_power };
	struct timespec tick = { 0, 10000000 };
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, i, ticks;

	if (argc < 3) return 2;
	ticks = atoi(argv[2]) * 100;
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (void *)&a, sizeof a) || listen(s, 8)) {
		perror("listen");
		return 1;
	}
	pthread_t t;

	sigaction(SIGPWR, &sa, 0);
	pthread_create(&t, 0, sleeper, 0);
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < ticks; i++) nanosleep(&tick, 0);
	printf("no failure, %d calls\n", (int)calls);
	return 0;
}
