/* The demo program: an in-memory key-value store (a chained hash table
 * in the heap). It loads N keys with values of varied sizes, prints a
 * digest of its contents, holds them for a while, then reads every key
 * back and checks it before exiting. Under Zhuque all of it lives in
 * the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

struct entry {
	struct entry *next;
	uint32_t keylen, vallen;
	char data[];
};

static struct entry **table;
static size_t buckets;

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	while (n--) h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void value_of(long i, char *v, size_t n)
{
	for (size_t k = 0; k < n; k++) v[k] = 'a' + (i * 31 + k) % 26;
}

static void put(long i)
{
	char key[32];
	size_t kl = sprintf(key, "key:%ld", i), vl = 10 + (i * 7919) % 1000;
	struct entry *e = malloc(sizeof *e + kl + vl);
	uint64_t b = hash(key, kl) % buckets;

	if (!e) { perror("malloc"); exit(1); }
	e->keylen = kl;
	e->vallen = vl;
	memcpy(e->data, key, kl);
	value_of(i, e->data + kl, vl);
	e->next = table[b];
	table[b] = e;
}

static int check(long i)
{
	char key[32], want[1024];
	size_t kl = sprintf(key, "key:%ld", i), vl = 10 + (i * 7919) % 1000;
	struct entry *e = table[hash(key, kl) % buckets];

	value_of(i, want, vl);
	for (; e; e = e->next)
		if (e->keylen == kl && !memcmp(e->data, key, kl))
			return e->vallen == vl && !memcmp(e->data + kl, want, vl);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, bad = 0, i;
	int hold = argc > 2 ? atoi(argv[2]) : 0;
	size_t bytes = 0;

	buckets = n / 2 + 1;
	table = calloc(buckets, sizeof *table);
	for (i = 0; i < n; i++) {
		put(i);
		bytes += 10 + (i * 7919) % 1000;
	}
	printf("kvstore: loaded %ld keys, %zu value bytes\n", n, bytes);
	fflush(stdout);
	sleep(hold);
	for (i = 0; i < n; i++) bad += !check(i);
	printf("kvstore: %ld of %ld keys read back intact\n", n - bad, n);
	return bad != 0;
}
