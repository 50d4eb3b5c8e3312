/* Starts N threads that wait forever (small stacks, so that thousands fit
 * a small filesystem), prints "ready N", then exits when stdin ends or
 * says "exit". A failure must capture every one of them, or say why not.
 *	many_threads N */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *wait_forever(void *arg)
{
	(void)arg;
	for (;;) pause();
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, i;
	pthread_attr_t attr;
	pthread_t t;
	char line[64];

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16384);
	for (i = 0; i < n; i++)
		if (pthread_create(&t, &attr, wait_forever, 0)) {
			printf("pthread_create failed after %d threads\n", i);
			return 1;
		}
	printf("ready %d\n", n);
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) && strcmp(line, "exit\n"));
	return 0;
}
