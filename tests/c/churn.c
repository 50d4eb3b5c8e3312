/* 10^6 mixed malloc/free/realloc calls and 200 threads created and
 * joined, all deterministic: the digest printed at the end must be the
 * same natively and under Zhuque. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <pthread.h>

#define SLOTS 4096
#define OPS 1000000
#define THREADS 200

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

static size_t pick_size(void)
{
	uint64_t r = next() % 100;
	if (r < 80) return 1 + next() % 256;
	if (r < 99) return 256 + next() % 16384;
	return 65536 + next() % (512 << 10);
}

static uint64_t fill_and_sum(unsigned char *p, size_t n, unsigned char seed)
{
	uint64_t h = 0;
	size_t i;
	for (i = 0; i < n; i += 61) p[i] = seed + i;
	for (i = 0; i < n; i += 61) h = mix(h, p[i]);
	return h;
}

static uint64_t churn(void)
{
	static unsigned char *slot[SLOTS];
	static size_t len[SLOTS];
	uint64_t h = 0;
	long op;
	int i;

	for (op = 0; op < OPS; op++) {
		i = next() % SLOTS;
		switch (next() % 3) {
		case 0:
			free(slot[i]);
			len[i] = pick_size();
			slot[i] = malloc(len[i]);
			h = mix(h, fill_and_sum(slot[i], len[i], op));
			break;
		case 1:
			free(slot[i]);
			slot[i] = 0;
			len[i] = 0;
			break;
		default: {
			size_t n = pick_size(), keep = n < len[i] ? n : len[i];
			unsigned char *p = realloc(slot[i], n);
			size_t k;
			for (k = 0; k < keep; k += 61) h = mix(h, p[k]);
			slot[i] = p;
			len[i] = n;
			h = mix(h, fill_and_sum(p, n, op));
		}
		}
	}
	for (i = 0; i < SLOTS; i++) free(slot[i]);
	return h;
}

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	unsigned char *p = malloc(1000 + id);
	uint64_t h = fill_and_sum(p, 1000 + id, id);
	free(p);
	return (void *)(uintptr_t)h;
}

static uint64_t threads(void)
{
	pthread_t t[THREADS];
	uint64_t h = 0;
	uintptr_t i;
	void *r;

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], 0, worker, (void *)i)) return 0;
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &r);
		h = mix(h, (uintptr_t)r);
	}
	return h;
}

int main(void)
{
	uint64_t a = churn(), b = threads();
	printf("malloc churn %d ops: %016llx\n", OPS, (unsigned long long)a);
	printf("threads %d: %016llx\n", THREADS, (unsigned long long)b);
	return 0;
}
