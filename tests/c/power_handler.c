/* A program that handles its own power failures: its SIGPWR handler must
 * run once after each resume, never at failure time. It counts the calls
 * and, at the end, prints how many it saw.
 *	power_handler SECONDS	runs for about that long */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile sig_atomic_t calls;

static void on_power(int sig)
{
	(void)sig;
	calls++;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	struct timespec start, now, tick = { 0, 10000000 };
	struct sigaction sa = { .sa_handler = on_power };

	sigaction(SIGPWR, &sa, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		nanosleep(&tick, 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	printf("power handler calls: %d\n", (int)calls);
	return 0;
}
