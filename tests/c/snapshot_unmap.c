/* Unmaps memory while it is snapshotted (SnapshotTests): one chunk of
 * 1 MiB, over and over: it must read zero (a new mapping), is filled with
 * one word a page, kept a moment, checked, unmapped, and after another
 * moment mapped again at the same place. The runtime unmaps arena memory
 * by zeroing the pages stored to and keeping their space for the next
 * mmap there (hold.c), so about half the snapshots' instants fall while
 * the chunk is in no region of the table, its zeroing done: a snapshot
 * that missed those stores resumes with the words where the new mapping
 * must read zero.
 *	snapshot_unmap STEPS
 * prints "ready", then "PASS STEPS" (or FAIL and exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>

#define MIB (1UL << 20)
#define PAGE 4096UL

static unsigned char *chunk;

static uint64_t word(unsigned long step, unsigned long page)
{
	return ((uint64_t)(step + 1) * 0x9e3779b97f4a7c15ULL ^ page) | 1;
}

/* step 0: zero; else one word a page as that step's fill left it. */
static int holds(unsigned long step)
{
	unsigned long i, k;

	for (i = 0; i < MIB / PAGE; i++) {
		const uint64_t *w = (const uint64_t *)(chunk + i * PAGE);
		if (w[0] != (step ? word(step, i) : 0)) return 0;
		for (k = 1; k < PAGE / 8; k++)
			if (w[k]) return 0;
	}
	return 1;
}

static void moment(void)
{
	struct timespec ts = { 0, 200000 };
	nanosleep(&ts, 0);
}

int main(int argc, char **argv)
{
	unsigned long steps = argc > 1 ? strtoul(argv[1], 0, 10) : 1000, s, i;

	chunk = mmap(0, MIB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	if (chunk == MAP_FAILED) return 2;
	puts("ready");
	fflush(stdout);
	for (s = 1; s <= steps; s++) {
		if (!holds(0)) {
			printf("FAIL step %lu: the new mapping does not read zero\n", s);
			return 1;
		}
		for (i = 0; i < MIB / PAGE; i++)
			*(uint64_t *)(chunk + i * PAGE) = word(s, i);
		moment();
		if (!holds(s)) {
			printf("FAIL step %lu: the chunk lost its words\n", s);
			return 1;
		}
		if (munmap(chunk, MIB)) return 2;
		moment();
		if (mmap(chunk, MIB, PROT_READ|PROT_WRITE,
		    MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) != chunk)
			return 2;
	}
	printf("PASS %lu\n", steps);
	return 0;
}
