/* The torture program: deterministic, multi-threaded, and busy with
 * everything a failure can interrupt. Eight workers pass a token around a
 * ring (mutex and condition variable hand-offs); each also churns its own
 * heap, maps, remaps and unmaps memory, keeps floating-point values in
 * registers through long loops, sleeps, and creates and joins helper
 * threads. Whatever the interleaving, the digest it prints depends only
 * on ROUNDS, so a run failed and resumed any number of times must print
 * the digest of an uninterrupted run.
 *
 *	torture [ROUNDS] [sections]
 *
 * With "sections", the long floating-point loop gives way to a hammer of
 * the calls that run inside the runtime's sections (mmap, mprotect,
 * munmap, detached threads that free their own stacks), so that many
 * failures land inside one; fresh memory is summed before it is written,
 * so a page not given back whole reads as a different digest.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include <semaphore.h>
#include <sys/mman.h>

#define WORKERS 8
#define SLOTS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static int token;
static uint64_t ring_digest = 1;
static long rounds = 200;
static int sections;

struct worker {
	pthread_t thread;
	int id;
	uint64_t rng;
	uint64_t digest;
	unsigned char *slot[SLOTS];
	size_t len[SLOTS];
};

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

/* Writes the bytes at offsets from..to that sum() reads. */
static void fill(unsigned char *p, size_t from, size_t to, uint64_t seed)
{
	for (size_t i = (from + 96) / 97 * 97; i < to; i += 97) p[i] = seed + i;
}

static uint64_t sum(const unsigned char *p, size_t n)
{
	uint64_t h = 0;
	for (size_t i = 0; i < n; i += 97) h = mix(h, p[i]);
	return h;
}

static void churn(struct worker *w)
{
	for (int k = 0; k < 40; k++) {
		int i = next(&w->rng) % SLOTS;
		size_t n = 1 + next(&w->rng) % (next(&w->rng) % 8 ? 2000 : 300000);
		switch (next(&w->rng) % 3) {
		case 0:
			free(w->slot[i]);
			w->slot[i] = malloc(n);
			w->len[i] = n;
			fill(w->slot[i], 0, n, w->rng);
			break;
		case 1:
			w->digest = mix(w->digest, sum(w->slot[i], w->len[i]));
			free(w->slot[i]);
			w->slot[i] = 0;
			w->len[i] = 0;
			break;
		default:
			w->slot[i] = realloc(w->slot[i], n);
			if (n > w->len[i]) fill(w->slot[i], w->len[i], n, w->rng);
			w->len[i] = n;
			w->digest = mix(w->digest, sum(w->slot[i], n));
		}
	}
}

static void maps(struct worker *w)
{
	size_t n = (1 + next(&w->rng) % 16) << 12;
	unsigned char *p = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) abort();
	fill(p, 0, n, w->id);
	p = mremap(p, n, 2 * n, MREMAP_MAYMOVE);
	if (p == MAP_FAILED) abort();
	fill(p, n, 2 * n, w->id + 1);
	w->digest = mix(w->digest, sum(p, 2 * n));
	munmap(p, 2 * n);
}

/* Long dependent chains keep these doubles in xmm registers, so a failure
 * usually lands while they are live there. */
static void fp(struct worker *w)
{
	double a = 1.0 + w->id, b = 0.5, c = 0.25;
	for (int i = 0; i < 200000; i++) {
		a = a * 1.0000001 + b;
		b = b * 0.9999999 + c;
		c = c * 1.0000002 - 0.0000001;
	}
	uint64_t bits;
	double r = a + b + c;
	memcpy(&bits, &r, sizeof bits);
	w->digest = mix(w->digest, bits);
}

static void *helper(void *arg)
{
	uint64_t s = (uintptr_t)arg, h = 0;
	for (int i = 0; i < 1000; i++) h = mix(h, next(&s));
	return (void *)(uintptr_t)h;
}

static void spawn_helper(struct worker *w)
{
	pthread_t t;
	void *r;
	if (pthread_create(&t, 0, helper, (void *)(uintptr_t)(w->rng | 1))) abort();
	pthread_join(t, &r);
	w->digest = mix(w->digest, (uintptr_t)r);
}

struct detached {
	sem_t done;
	uint64_t seed, result;
};

static void *detached_run(void *arg)
{
	struct detached *d = arg;
	d->result = helper((void *)(uintptr_t)d->seed) != 0;
	d->result = mix(d->result, d->seed);
	sem_post(&d->done);
	return 0;
}

/* Calls that hold the runtime's lock, over and over: mapped memory must
 * come fresh (zero) and a split protection must merge back. */
static void hammer(struct worker *w)
{
	pthread_attr_t attr;
	struct detached d;
	pthread_t t;

	for (int k = 0; k < 24; k++) {
		size_t n = (1 + next(&w->rng) % 8) << 12;
		unsigned char *p = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) abort();
		w->digest = mix(w->digest, sum(p, n));
		fill(p, 0, n, w->id + k);
		if (n > 4096 && mprotect(p + 4096, 4096, PROT_READ)) abort();
		w->digest = mix(w->digest, sum(p, n));
		if (n > 4096 && mprotect(p + 4096, 4096, PROT_READ|PROT_WRITE)) abort();
		if (munmap(p, n)) abort();
	}
	d.seed = w->rng | 1;
	sem_init(&d.done, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, detached_run, &d)) abort();
	while (sem_wait(&d.done));
	w->digest = mix(w->digest, d.result);
}

static void snooze(struct worker *w)
{
	struct timespec ts = { 0, (next(&w->rng) % 500) * 1000 };
	nanosleep(&ts, 0);
}

/* The token ring: strictly ordered, so the ring digest is deterministic. */
static void take_turn(struct worker *w, long round)
{
	pthread_mutex_lock(&lock);
	while (token != w->id) pthread_cond_wait(&turn, &lock);
	ring_digest = mix(ring_digest, w->digest ^ round);
	token = (token + 1) % WORKERS;
	pthread_cond_broadcast(&turn);
	pthread_mutex_unlock(&lock);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	for (long r = 0; r < rounds; r++) {
		churn(w);
		if (r % 4 == 0) maps(w);
		if (sections) hammer(w);
		else fp(w);
		if (r % 8 == w->id % 8) spawn_helper(w);
		if (r % 5 == 0) snooze(w);
		take_turn(w, r);
	}
	for (int i = 0; i < SLOTS; i++) free(w->slot[i]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct worker w[WORKERS];
	uint64_t digest;

	if (argc > 1) rounds = atol(argv[1]);
	sections = argc > 2 && !strcmp(argv[2], "sections");
	/* Before the workers start: once they run, the first of them may
	 * take its turn before the last is created. */
	digest = ring_digest;
	for (int i = 0; i < WORKERS; i++) {
		w[i].id = i;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
		w[i].digest = i;
		if (pthread_create(&w[i].thread, 0, work, &w[i])) abort();
	}
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(w[i].thread, 0);
		digest = mix(digest, w[i].digest);
	}
	digest = mix(digest, ring_digest);
	printf("torture %ld rounds: digest %016llx\n", rounds, (unsigned long long)digest);
	return 0;
}
