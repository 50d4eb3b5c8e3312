/* Large anonymous mappings, one after another, while the test fails the
 * process (SIGPWR) or kills it at random moments: most land inside
 * tmpfs's fallocate, which takes an image mapping's file space and gives
 * up with EINTR when a signal the runtime lets through (SIGPWR, a kill)
 * is pending. That EINTR is the runtime's to redo (native/runtime/
 * reserve.c), never a lack of memory: every mmap must succeed after the
 * resume. Prints PASS, or FAIL and why.
 *
 *	mmap_under_signals [ROUNDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100, i;
	size_t len = 256 << 20;

	for (i = 0; i < rounds; i++) {
		char *p = mmap(0, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("FAIL mmap %d of %d: %s\n", i, rounds, strerror(errno));
			return 1;
		}
		p[0] = p[len - 1] = 1;
		munmap(p, len);
	}
	printf("PASS\n");
	return 0;
}
