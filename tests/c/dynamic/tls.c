/* A plain musl-gcc program whose TLS is too large for the dynamic linker's
 * built-in area: __dls3 callocs the first thread's TLS, which must be image
 * memory. A thread's TLS comes from its own mapping. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static __thread unsigned char big[100000] = { 1 };
static __thread long sum = 5;

static void *work(void *arg)
{
	struct timespec ts = { 0, 2000000 };
	long i;

	for (i = 0; i < 500; i++) {
		big[(i * 197) % 1000] += (unsigned char)i;
		sum += big[(i * 31) % 1000];
		nanosleep(&ts, 0);
	}
	return (void *)sum;
}

int main(void)
{
	pthread_t t;
	void *other;
	long mine;

	if (pthread_create(&t, 0, work, 0)) return 1;
	mine = (long)work(0);
	pthread_join(t, &other);
	printf("main %ld thread %ld big[0] %d\n", mine, (long)other, big[0]);
	puts("PASS");
	return 0;
}
