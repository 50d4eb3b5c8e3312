/* Threads that create and join helper threads without a pause, so that a
 * SIGKILL often lands while one is inside clone: the kernel then ends the
 * clone with EINTR ("let kill terminate clone in the middle"), which no
 * program may see after its resume. Prints PASS when every creation
 * succeeded, as many as ROUNDS per thread (default 1500).
 *
 *	clone_churn [ROUNDS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8

static int rounds = 1500, failed;

static void *nop(void *a) { return a; }

static void *churn(void *a)
{
	(void)a;
	for (int i = 0; i < rounds; i++) {
		pthread_t t;
		int r = pthread_create(&t, 0, nop, 0);
		if (r) {
			printf("FAIL pthread_create: %s\n", strerror(r));
			__atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
			return 0;
		}
		pthread_join(t, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	int made[THREADS] = { 0 };

	if (argc > 1) rounds = atoi(argv[1]);
	/* A creation that fails is said, never joined: a join of the unset
	 * handle would die of SIGSEGV, which looks like a broken resume. */
	for (int i = 0; i < THREADS; i++) {
		int r = pthread_create(&t[i], 0, churn, 0);
		if (r) {
			printf("FAIL pthread_create: %s\n", strerror(r));
			__atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
		}
		made[i] = !r;
	}
	for (int i = 0; i < THREADS; i++) if (made[i]) pthread_join(t[i], 0);
	printf(failed ? "FAIL\n" : "PASS\n");
	return failed;
}
