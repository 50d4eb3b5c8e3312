/* Memory given back and mapped again reads zero, however it was used:
 * a munmap keeps some of the arena's file space for the next mmap there
 * (native/runtime/hold.c), which must then read as fresh memory. Maps of
 * many sizes, stored to in part, whole or not at all, made read-only,
 * MADV_DONTNEED'd, mapped over with MAP_FIXED, mapped PROT_NONE and
 * opened in part (as a thread's stack), calloc'd, and threads whose
 * stacks come and go, for 1.5 s, failed and resumed somewhere in it. */
#include "check.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096

static long bad;

static void expect_zero(const unsigned char *p, size_t len, const char *what, long i)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t k;

	for (k = 0; k < len / 8; k++)
		if (w[k]) break;
	if (k < len / 8 && !bad++)
		CHECK(0, "iteration %ld: %s: byte %zu of %zu is not zero", i, what, k * 8, len);
}

static void store(unsigned char *p, size_t len, long i)
{
	size_t k;

	switch (i % 4) {
	case 0: break;
	case 1: p[0] = 1; break;
	case 2: for (k = 0; k < len; k += PAGE) p[k + PAGE - 1] = (unsigned char)(i | 1); break;
	case 3: memset(p, 0xa5, len / 2 + 1); break;
	}
}

static void *stack_user(void *arg)
{
	volatile unsigned char local[3 * PAGE];
	size_t k;

	for (k = 0; k < sizeof local; k++) local[k] = (unsigned char)k | 1;
	return arg;
}

static void once(long i)
{
	size_t len = (1 + i % 23) * PAGE;
	unsigned char *p = mmap(0, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), *q;

	if (p == MAP_FAILED) {
		CHECK(0, "iteration %ld: mmap %zu: %s", i, len, strerror(errno));
		return;
	}
	expect_zero(p, len, "mmap", i);
	store(p, len, i);
	if (i % 5 == 0) mprotect(p, len, PROT_READ);
	if (i % 7 == 0) {
		/* Over the same place, all of it or its start. */
		size_t len2 = (1 + (i / 7) % (len / PAGE)) * PAGE;
		q = mmap(p, len2, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
		CHECK(q == p, "iteration %ld: MAP_FIXED gave %p for %p", i, (void *)q, (void *)p);
		if (q == p) {
			expect_zero(q, len2, "MAP_FIXED", i);
			store(q, len2, i + 1);
		}
		munmap(p, len);
		return;
	}
	if (i % 11 == 0 && !(i % 5 == 0)) {
		madvise(p, len, MADV_DONTNEED);
		expect_zero(p, len, "MADV_DONTNEED", i);
		store(p, len, i);
	}
	munmap(p, len);
	if (i % 3 == 0) {
		/* A guard page below what is opened, as musl does for a stack. */
		p = mmap(0, len + PAGE, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) return;
		mprotect(p + PAGE, len, PROT_READ|PROT_WRITE);
		expect_zero(p + PAGE, len, "PROT_NONE then opened", i);
		store(p + PAGE, len, i + 2);
		munmap(p, len + PAGE);
	}
	if (i % 13 == 0) {
		q = calloc(1, 300 << 10);
		if (q) expect_zero(q, 300 << 10, "calloc", i);
		if (q) memset(q, 0x3c, 300 << 10);
		free(q);
	}
	if (i % 17 == 0) {
		pthread_t t;
		if (!pthread_create(&t, 0, stack_user, 0)) pthread_join(t, 0);
	}
}

int main(void)
{
	struct timespec t0, t;
	long i = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		once(i++);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < 1.5);
	CHECK(i > 100, "only %ld iterations", i);
	return verdict();
}
