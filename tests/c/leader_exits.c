/* The main thread creates and joins thousands of threads, then ends with
 * pthread_exit while a worker goes on: the kernel lists the ended leader
 * in /proc/PID/task until the whole process is gone, and it never stops
 * at an exit again. A kill after that must still be saved (the guard
 * once forgot threads it had let go after its first 4,096). The worker
 * prints PASS after HOLD seconds (default 6).
 *
 *	leader_exits [THREADS [HOLD]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "kinds/check.h"

static double seconds = 6;

static void *nop(void *a) { return a; }

static void *worker(void *a)
{
	(void)a;
	hold(seconds);
	printf("PASS\n");
	fflush(stdout);
	exit(0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4200, i;
	pthread_t t;

	if (argc > 2) seconds = atof(argv[2]);
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, 0, nop, 0)) {
			printf("FAIL pthread_create\n");
			return 1;
		}
		pthread_join(t, 0);
	}
	pthread_create(&t, 0, worker, 0);
	pthread_exit(0);
}
