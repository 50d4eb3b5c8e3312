/* Costs of the calls Zhuque interposes on, in ns per operation. Built
 * twice (zhuque-cc and the unpatched musl) by scripts/bench-syscalls. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

/* The runtime's brk (hidden, but linkable in a static link); absent in
 * the unpatched musl, where the kernel's brk is the native cost. */
extern long __zq_brk(void *) __attribute__((weak));

static long do_brk(void *p)
{
	return __zq_brk ? __zq_brk(p) : syscall(SYS_brk, p);
}

/* BENCH_CLOCK=cpu: the process's own CPU time (user and system, every
 * thread) instead of the wall clock, which on a shared machine mostly
 * measures the other jobs. The guard's ptrace stops are not counted. */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
	struct timespec ts;
	clock_gettime(clock_id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* touch: 0 none, 1 the first page, 2 every page (image memory takes its
 * file space per page at mmap: what a program does not touch shows it). */
static double mmap_munmap(long n, size_t len, int touch)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		char *p = mmap(0, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) abort();
		for (size_t k = 0; k < (touch > 1 ? len : touch ? 1 : 0); k += 4096)
			p[k] = 1;
		munmap(p, len);
	}
	return (now() - t) / n;
}

static double malloc_free(long n, size_t len)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		char *volatile p = malloc(len);
		p[0] = 1;
		free(p);
	}
	return (now() - t) / n;
}

static void *nothing(void *a) { return a; }

static double thread_create_join(long n)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, 0, nothing, 0)) abort();
		pthread_join(th, 0);
	}
	return (now() - t) / n;
}

/* Grow the break a page at a time, touching each page, then give it back. */
static double brk_growth(long n)
{
	long start = do_brk(0), cur = start;
	double t = now();
	for (long i = 0; i < n; i++) {
		if (do_brk((void *)(cur + 4096)) != cur + 4096) abort();
		*(volatile char *)cur = 1;
		cur += 4096;
	}
	t = (now() - t) / n;
	do_brk((void *)start);
	return t;
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 1;
	const char *clock = getenv("BENCH_CLOCK");

	if (clock && !strcmp(clock, "cpu")) clock_id = CLOCK_PROCESS_CPUTIME_ID;

	printf("mmap+munmap 64KiB\t%.0f\n", mmap_munmap(20000 * scale, 64 << 10, 0));
	printf("mmap+touch+munmap 64KiB\t%.0f\n", mmap_munmap(20000 * scale, 64 << 10, 1));
	printf("mmap+fill+munmap 64KiB\t%.0f\n", mmap_munmap(20000 * scale, 64 << 10, 2));
	printf("malloc+free 64B\t%.0f\n", malloc_free(1000000 * scale, 64));
	printf("malloc+free 256KiB\t%.0f\n", malloc_free(20000 * scale, 256 << 10));
	printf("pthread_create+join\t%.0f\n", thread_create_join(5000 * scale));
	printf("brk growth per page\t%.0f\n", brk_growth(20000 * scale));
	return 0;
}
