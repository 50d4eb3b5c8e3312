/* MAP_FIXED anonymous memory outside Zhuque's window lives in the region
 * file image.h's zq_file_names calls "fixed" (offset = address): its bytes
 * survive, a store after the resume lands, and the mapping is that file. */
#include "check.h"
#include <sys/mman.h>

#define AT ((unsigned char *)0x300000000000)
#define LEN (3 << 16)

static int backed_by_fixed(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "300000000000-", 13) && strstr(line, "/regions/fixed")) found = 1;
	if (f) fclose(f);
	return found;
}

int main(void)
{
	unsigned char *p = mmap(AT, LEN, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
	int i, bad = -1;

	CHECK(p == AT, "mmap at %p gave %p", (void *)AT, (void *)p);
	if (p != AT) return verdict();
	for (i = 0; i < LEN; i++) p[i] = i * 7 + 1;
	CHECK(backed_by_fixed(), "before: %p is not mapped from regions/fixed", (void *)AT);
	hold(1.5);
	for (i = 0; i < LEN && bad < 0; i++) if (p[i] != (unsigned char)(i * 7 + 1)) bad = i;
	CHECK(bad < 0, "byte %d is %d after resume", bad, bad < 0 ? 0 : p[bad]);
	p[LEN - 1] = 0x5a;
	CHECK(p[LEN - 1] == 0x5a, "a store after resume did not land");
	CHECK(backed_by_fixed(), "after: %p is not mapped from regions/fixed", (void *)AT);
	return verdict();
}
