/* A plain musl-gcc program (dynamic, libc only) whose state lives in its
 * own .data, in its TLS, in a heap block and in malloc's state inside
 * libc.so: failed and resumed, it prints what an uninterrupted run prints. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long total = 7;
static __thread long steps = 3;

int main(void)
{
	long *heap = malloc(64 * sizeof *heap);
	struct timespec ts = { 0, 2000000 };
	long i;

	if (!heap) return 1;
	for (i = 0; i < 64; i++) heap[i] = i;
	for (i = 0; i < 600; i++) {
		total += heap[i % 64];
		heap[i % 64] += 1;
		steps += i & 1;
		nanosleep(&ts, 0);
	}
	printf("total %ld steps %ld\n", total, steps);
	free(heap);
	puts("PASS");
	return 0;
}
