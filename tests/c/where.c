/* Prints, for each kind of memory a program has, the /proc/self/maps
 * entry that holds one of its addresses: "NAME PERMS PATH". Under Zhuque
 * every line must name an rw-s mapping of a file in the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>

int global = 1;
char bss_array[1 << 16];
__thread int tls_var = 2;

static void where(const char *name, const void *p)
{
	unsigned long a = (unsigned long)p, lo, hi;
	char line[4096], perms[8], path[4000];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof line, f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %3999s", &lo, &hi, perms, path) < 3)
			continue;
		if (a >= lo && a < hi) {
			printf("%s %s %s\n", name, perms, path[0] ? path : "-");
			fclose(f);
			return;
		}
	}
	printf("%s unmapped -\n", name);
	if (f) fclose(f);
}

static void *thread_main(void *arg)
{
	int local = 3;
	(void)arg;
	where("thread_tls", &tls_var);
	where("thread_stack", &local);
	return 0;
}

int main(void)
{
	int local = 4;
	char *small = malloc(32);
	char *big = malloc(10 << 20);
	void *anon = mmap(0, 1 << 20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	pthread_t t;

	if (!small || !big || anon == MAP_FAILED) return 1;
	small[0] = big[0] = 1;
	where("global", &global);
	where("bss", &bss_array[1 << 15]);
	where("malloc_small", small);
	where("malloc_10MiB", big + (5 << 20));
	where("mmap_anon", anon);
	where("main_tls", &tls_var);
	where("main_stack", &local);
	fflush(stdout);
	if (pthread_create(&t, 0, thread_main, 0) || pthread_join(t, 0)) return 1;
	return 0;
}
