/* The guard's price (scripts/bench-guard): N signal round trips (raise
 * SIGUSR1 to a handler: one signal-delivery stop each under ptrace) or N
 * thread create+join (a clone event stop, the new thread's first stop
 * and its exit stop). Prints the loop's wall time per operation in ns;
 * the script takes the CPU time from outside, guard included. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile long seen;

static void on_usr1(int sig) { (void)sig; seen++; }
static void *nothing(void *p) { return p; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0, i;
	double t0;

	if (argc < 3 || (strcmp(argv[1], "signals") && strcmp(argv[1], "threads"))) {
		fprintf(stderr, "usage: bench_guard signals|threads N\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	t0 = now();
	if (!strcmp(argv[1], "signals")) {
		for (i = 0; i < n; i++) raise(SIGUSR1);
		if (seen != n) return 1;
	} else {
		for (i = 0; i < n; i++) {
			pthread_t th;
			if (pthread_create(&th, 0, nothing, 0)) return 1;
			pthread_join(th, 0);
		}
	}
	printf("%.0f\n", n ? (now() - t0) / n : 0);
	return 0;
}
