/* A library loaded at run time (libstate.c, by dlopen): its .data, .bss
 * and TLS (dynamic TLS, which musl allocates with malloc, for this thread
 * and one created before the dlopen) and the function pointers dlsym gave
 * are used across failures; it prints what an uninterrupted native run
 * prints. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static long (*step)(long);
static long (*digest)(void);
static long *(*tls_of)(void);
static long thread_tls;
static pthread_barrier_t loaded;

static void *worker(void *arg)
{
	struct timespec ts = { 0, 3000000 };
	long i, *tls;

	(void)arg;
	pthread_barrier_wait(&loaded);
	tls = tls_of();
	for (i = 0; i < 200; i++) {
		*tls += i;
		nanosleep(&ts, 0);
	}
	thread_tls = *tls_of();
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 2000000 };
	long total = 0, i;
	pthread_t t;
	void *h;

	if (argc < 2 || pthread_barrier_init(&loaded, 0, 2) || pthread_create(&t, 0, worker, 0))
		return 2;
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("FAIL: %s\n", dlerror());
		return 1;
	}
	step = (long (*)(long))dlsym(h, "lib_step");
	digest = (long (*)(void))dlsym(h, "lib_digest");
	tls_of = (long *(*)(void))dlsym(h, "lib_tls_address");
	if (!step || !digest || !tls_of) {
		printf("FAIL: %s\n", dlerror());
		return 1;
	}
	pthread_barrier_wait(&loaded);
	for (i = 0; i < 600; i++) {
		total += step(i);
		nanosleep(&ts, 0);
	}
	pthread_join(t, 0);
	printf("total %ld digest %ld tls %ld thread tls %ld\n", total, digest(), *tls_of(), thread_tls);
	puts("PASS");
	return 0;
}
