/* Writes hard to all of its memory while it is snapshotted
 * (SnapshotTests): ROUNDS sweeps over MIB mebibytes, each sweep changing
 * one word in every page from its old value, then a digest of all of it.
 * A snapshot that holds any page as it was after the capture instant
 * applies that page's change twice when resumed, and the digest differs.
 *	snapshot_writer MIB ROUNDS
 * prints "ready" once its memory is written, then the digest. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int main(int argc, char **argv)
{
	size_t words = (argc > 1 ? strtoul(argv[1], 0, 10) : 64) << 17, k;
	unsigned long rounds = argc > 2 ? strtoul(argv[2], 0, 10) : 1000, r;
	uint64_t *p = malloc(words * 8), sum = 0xcbf29ce484222325ULL;

	if (!p) return 1;
	for (k = 0; k < words; k++) p[k] = k * 0x9e3779b97f4a7c15ULL;
	puts("ready");
	fflush(stdout);
	for (r = 0; r < rounds; r++)
		for (k = r % 512; k < words; k += 512)
			p[k] = p[k] * 0x100000001b3ULL + r;
	for (k = 0; k < words; k++) sum = (sum ^ p[k]) * 0x100000001b3ULL;
	printf("%016llx\n", (unsigned long long)sum);
	return 0;
}
