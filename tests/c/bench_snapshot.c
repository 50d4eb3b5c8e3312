/* Holds MIB mebibytes of written heap and keeps writing to it, for
 * `zhuque snapshot`'s pause and total time (docs/benchmarks.md):
 *	bench_snapshot MIB
 * prints "ready" once all of it is written, then goes on forever. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t n = (argc > 1 ? strtoul(argv[1], 0, 10) : 64) << 20, i;
	unsigned char *p = malloc(n);

	if (!p) return 1;
	for (i = 0; i < n; i += 4096) p[i] = (unsigned char)i | 1;
	puts("ready");
	fflush(stdout);
	for (i = 0;; i = (i + 4096) % n) p[i]++;
}
