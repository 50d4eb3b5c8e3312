/* A plain musl-gcc program linked against a shared library (libstate.c):
 * state in its own .data, in the library's .data, .bss and TLS (main
 * thread and another), in heap blocks, one of them from the gap of the
 * library's writable page that musl's ldso donates to malloc. Failed and
 * resumed, it prints what an uninterrupted native run prints, and the
 * library's mappings (/proc/self/maps: text, RELRO read-only, data, .bss)
 * read the same after the failures as before. */
#define _GNU_SOURCE
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long lib_step(long);
long lib_digest(void);
extern __thread long lib_tls;

static long total = 7;
static char before[16384], after[16384];

struct span { unsigned long lo, hi, data_lo, data_hi; };

static int find(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct span *s = arg;
	int i;

	(void)size;
	if (!strstr(info->dlpi_name, "libstate.so")) return 0;
	s->lo = -1UL;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
		if (ph->p_type != PT_LOAD) continue;
		if (a < s->lo) s->lo = a & -4096UL;
		if (b > s->hi) s->hi = b;
		if (ph->p_flags & PF_W) {
			s->data_lo = a & -4096UL;
			s->data_hi = (b + 4095) & -4096UL;
		}
	}
	return 1;
}

/* The lines of /proc/self/maps inside the library's span. */
static void read_maps(const struct span *s, char *out, size_t size)
{
	char line[512];
	size_t len = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof line, f)) {
		unsigned long a = strtoul(line, 0, 16);
		if (a >= s->lo && a < s->hi && len + strlen(line) < size) {
			strcpy(out + len, line);
			len += strlen(line);
		}
	}
	if (f) fclose(f);
}

static void *worker(void *arg)
{
	long i, *sum = arg;
	struct timespec ts = { 0, 3000000 };

	for (i = 0; i < 200; i++) {
		lib_tls += i;
		nanosleep(&ts, 0);
	}
	*sum = lib_tls;
	return 0;
}

int main(void)
{
	struct span s = { 0 };
	struct timespec ts = { 0, 2000000 };
	long *blocks[32], *gap = 0, i, thread_tls = 0;
	pthread_t t;

	dl_iterate_phdr(find, &s);
	if (!s.hi) { puts("FAIL: libstate.so not loaded"); return 1; }
	/* musl donates each gap as single-slot groups of a few size classes,
	 * some taken by ldso's own allocations: try sizes until one is
	 * served from the library's page. */
	for (i = 8; i < 4096 && !gap; i += 4) {
		long *b = malloc(i);
		if ((unsigned long)b >= s.data_lo && (unsigned long)b < s.data_hi) gap = b;
	}
	if (!gap) { puts("FAIL: no heap block in the library's donated gap"); return 1; }
	*gap = 3;
	for (i = 0; i < 32; i++) {
		blocks[i] = malloc(16 + i % 4 * 8);
		if (!blocks[i]) return 1;
		*blocks[i] = i;
	}
	read_maps(&s, before, sizeof before);
	if (pthread_create(&t, 0, worker, &thread_tls)) return 1;
	for (i = 0; i < 600; i++) {
		total += lib_step(i);
		*blocks[i % 32] += total & 0xff;
		*gap += i & 7;
		nanosleep(&ts, 0);
	}
	pthread_join(t, 0);
	read_maps(&s, after, sizeof after);
	for (i = 0; i < 32; i++) total += *blocks[i];
	printf("total %ld digest %ld tls %ld thread tls %ld block in a donated gap %ld\n",
		total, lib_digest(), lib_tls, thread_tls, *gap);
	if (!before[0] || strcmp(before, after)) {
		printf("FAIL: the library's maps changed\nbefore:\n%safter:\n%s", before, after);
		return 1;
	}
	puts("PASS");
	return 0;
}
