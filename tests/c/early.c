/* A power failure before main: a constructor holds the program in its
 * start-up for a while. After resume, main must run and see what the
 * constructor set up. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static char *greeting;

__attribute__((constructor)) static void slow_start(void)
{
	struct timespec t = { 0, 800000000 };
	greeting = malloc(32);
	snprintf(greeting, 32, "set before main");
	while (nanosleep(&t, &t));
}

int main(void)
{
	printf("main: %s\n", greeting);
	return 0;
}
