/* Gives memory back while it is snapshotted (SnapshotTests): CHUNKS
 * chunks of 1 MiB, visited in turn, one a step, as fast as it can;
 * every other visit discards a chunk
 * (MADV_DONTNEED for even chunks, munmap and mmap again in its place for
 * odd ones: the runtime punches the file, no page is written), the others
 * fill it again, so that discards come close together whenever the
 * snapshot's instant falls (its last copy pass matches those before). Each visit first checks the chunk
 * holds what the last visit left: a snapshot that copied a chunk before it
 * was discarded, and missed the discard, resumes with old data where it
 * must read zero.
 *	snapshot_punch CHUNKS STEPS
 * prints "ready", then "PASS STEPS" (or FAIL and exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>

#define MIB (1UL << 20)
#define PAGE 4096UL

static unsigned char *base;

static uint64_t word(long gen, unsigned long c, unsigned long page)
{
	return ((uint64_t)(gen + 2) * 0x9e3779b97f4a7c15ULL ^ (c << 20 | page)) | 1;
}

static void fill(unsigned long c, long gen)
{
	unsigned long i;

	for (i = 0; i < MIB / PAGE; i++)
		*(uint64_t *)(base + c * MIB + i * PAGE) = word(gen, c, i);
}

static void discard(unsigned long c)
{
	unsigned char *p = base + c * MIB;

	if (c % 2 == 0) {
		if (madvise(p, MIB, MADV_DONTNEED)) exit(2);
	} else if (munmap(p, MIB) || mmap(p, MIB, PROT_READ|PROT_WRITE,
	    MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) != p) {
		exit(2);
	}
}

/* gen < 0: zero; else one word a page as fill(c, gen) left it. */
static int holds(unsigned long c, long gen)
{
	unsigned long i, k;

	for (i = 0; i < MIB / PAGE; i++) {
		const uint64_t *w = (const uint64_t *)(base + c * MIB + i * PAGE);
		if (gen >= -1 ? w[0] != word(gen, c, i) : w[0] != 0) return 0;
		for (k = 1; k < PAGE / 8; k++)
			if (w[k]) return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long chunks = argc > 1 ? strtoul(argv[1], 0, 10) : 32;
	unsigned long steps = argc > 2 ? strtoul(argv[2], 0, 10) : 1000, s, c;

	base = mmap(0, chunks * MIB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) return 2;
	for (c = 0; c < chunks; c++) fill(c, -1);
	puts("ready");
	fflush(stdout);
	for (s = 0; s < steps; s++) {
		long sweep = s / chunks, last = sweep - 1;
		c = s % chunks;
		/* The last visit: the start's fill, a discard or a fill. */
		if (!holds(c, last < 0 ? -1 : (last + c) % 2 == 0 ? -2 : last)) {
			printf("FAIL chunk %lu at step %lu does not hold what step %ld left\n", c, s, (long)(s - chunks));
			return 1;
		}
		if ((sweep + c) % 2 == 0) discard(c);
		else fill(c, sweep);
	}
	printf("PASS %lu\n", steps);
	return 0;
}
