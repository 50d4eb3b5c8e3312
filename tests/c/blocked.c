/* Threads blocked when the power fails must carry on after the resume as
 * if nothing happened: one waits on a condition variable, one sleeps, and
 * the main thread reads a line from stdin. The program says "ready" once
 * all three are blocked, and prints what each got once they are done.
 * Its stdin is empty until after the resume. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready, go;

static void *cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	ready++;
	while (!go) pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	printf("cond: woken\n");
	return 0;
}

/* A sleep interrupted by the failure may come back early with EINTR, as
 * for any signal; the program sleeps the rest, as a careful one does. */
static void *sleeper(void *arg)
{
	struct timespec left = { 1, 500000000 }, start, end;
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_mutex_lock(&m);
	ready++;
	pthread_mutex_unlock(&m);
	while (nanosleep(&left, &left) && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("sleep: done\n");
	return 0;
}

int main(void)
{
	pthread_t a, b;
	char line[100] = "";
	ssize_t n;

	pthread_create(&a, 0, cond_waiter, 0);
	pthread_create(&b, 0, sleeper, 0);
	for (;;) {
		pthread_mutex_lock(&m);
		if (ready == 2) break;
		pthread_mutex_unlock(&m);
		usleep(1000);
	}
	pthread_mutex_unlock(&m);
	printf("ready\n");
	fflush(stdout);
	while ((n = read(0, line, sizeof line - 1)) < 0 && errno == EINTR);
	line[n > 0 ? n : 0] = 0;
	printf("read: %s", line);
	pthread_mutex_lock(&m);
	go = 1;
	pthread_cond_broadcast(&c);
	pthread_mutex_unlock(&m);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
