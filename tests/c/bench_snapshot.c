/* Holds MIB mebibytes of written heap and keeps writing to it, for
 * `zhuque snapshot`'s pause and total time (docs/benchmarks.md):
 *	bench_snapshot MIB [PAGES_PER_MS]
 * prints "ready" once all of it is written, then writes one byte in each
 * page in turn forever: as fast as it can, or PAGES_PER_MS pages a
 * millisecond. The pointer is volatile: a plain one let the compiler
 * drop the endless loop's stores (it was `jmp .`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	size_t n = (argc > 1 ? strtoul(argv[1], 0, 10) : 64) << 20, i;
	long rate = argc > 2 ? strtol(argv[2], 0, 10) : 0, done = 0;
	volatile unsigned char *p = malloc(n);
	long long start;

	if (!p) return 1;
	for (i = 0; i < n; i += 4096) p[i] = (unsigned char)i | 1;
	puts("ready");
	fflush(stdout);
	start = ms();
	for (i = 0;; i = (i + 4096) % n) {
		p[i]++;
		if (rate && ++done % 64 == 0)
			while (done > (ms() - start) * rate) {
				struct timespec ts = { 0, 200000 };
				nanosleep(&ts, 0);
			}
	}
}
