/* For scripts/bench-failure: touches MIB mebibytes of heap, says "ready"
 * with the ns that took, then waits for its SIGPWR handler, which runs
 * once after a resume, and prints the CLOCK_REALTIME at which it ran.
 *	bench_failure MIB */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile long long resumed_ns;

static void on_power(int sig)
{
	struct timespec ts;
	(void)sig;
	clock_gettime(CLOCK_REALTIME, &ts);
	resumed_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? atol(argv[1]) : 64, i;
	struct timespec tick = { 0, 1000000 };
	char **chunks = calloc(mib, sizeof *chunks);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < mib; i++) {
		chunks[i] = malloc(1 << 20);
		if (!chunks[i]) { perror("malloc"); return 1; }
		memset(chunks[i], (int)i, 1 << 20);
	}
	signal(SIGPWR, on_power);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* How long the writes took: what a writer of dirty pages costs. */
	printf("ready %lld\n", (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec);
	fflush(stdout);
	while (!resumed_ns) nanosleep(&tick, 0);
	for (i = 0; i < mib; i++)
		if (chunks[i][i % (1 << 20)] != (char)i) { printf("corrupt\n"); return 1; }
	printf("resumed_at %lld\n", resumed_ns);
	return 0;
}
