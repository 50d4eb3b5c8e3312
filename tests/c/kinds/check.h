/* Shared by the per-kind programs: each sets a kernel object up, holds it
 * (often blocked on it) while the test fails the process at a random
 * moment and resumes it, then checks the object and prints PASS, or FAIL
 * and what differs, and exits 0 only on PASS. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

static int failed;

#define CHECK(cond, ...) do { if (!(cond)) { failed = 1; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* Sleep for the whole interval even when a failure interrupts it. */
static void hold(double seconds)
{
	struct timespec t = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
	while (nanosleep(&t, &t) && errno == EINTR);
}

static int verdict(void)
{
	printf(failed ? "FAIL\n" : "PASS\n");
	return failed;
}
