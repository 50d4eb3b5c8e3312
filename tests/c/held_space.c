/* Space held for the next mmap is given back when the filesystem is
 * full: 64 KiB maps until ENOMEM, every other one unmapped (a munmap may
 * keep some of that space, native/runtime/hold.c), then one map of almost
 * all that was freed, in a place none of it was, and every page stored
 * to. Prints "big ok" or "big ENOMEM", then "stored" (a SIGBUS kills it
 * before that). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define BLOCK (64 << 10)
#define MAX 4096

static char *blocks[MAX];

int main(void)
{
	int n, i;
	size_t len;
	char *big;

	setvbuf(stdout, 0, _IOLBF, 0);
	for (n = 0; n < MAX; n++) {
		blocks[n] = mmap(0, BLOCK, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (blocks[n] == MAP_FAILED) break;
		memset(blocks[n], n | 1, BLOCK);
	}
	if (n == MAX || errno != ENOMEM) {
		printf("filled %d blocks, errno %s\n", n, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i += 2) munmap(blocks[i], BLOCK);
	/* Two blocks short of what was freed: more than is free on the
	 * disk while more than two blocks of it are held. */
	len = (size_t)((n + 1) / 2 - 2) * BLOCK;
	big = mmap(0, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	printf("big %s\n", big == MAP_FAILED ? strerror(errno) : "ok");
	if (big == MAP_FAILED) return 1;
	memset(big, 0x5a, len);
	printf("stored\n");
	return 0;
}
