/* Each thread's name (comm), as ps and pgrep see it: the program's own
 * for the main thread, the one a thread gave itself for that thread. */
#include "check.h"
#include <pthread.h>
#include <sys/prctl.h>

static char thread_name[16];

static void *named(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "worker-one");
	hold(1.2);
	prctl(PR_GET_NAME, thread_name);
	return 0;
}

int main(int argc, char **argv)
{
	char want[16] = { 0 }, name[16] = { 0 }, comm[32] = { 0 };
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	pthread_t t;
	FILE *f;

	(void)argc;
	strncpy(want, base, 15);
	pthread_create(&t, 0, named, 0);
	pthread_join(t, 0);
	prctl(PR_GET_NAME, name);
	CHECK(!strcmp(name, want), "main thread is '%s', not '%s'", name, want);
	CHECK(!strcmp(thread_name, "worker-one"), "thread is '%s'", thread_name);
	if ((f = fopen("/proc/self/comm", "r"))) {
		fgets(comm, sizeof comm, f);
		fclose(f);
	}
	comm[strcspn(comm, "\n")] = 0;
	CHECK(!strcmp(comm, want), "the process is '%s' to pgrep", comm);
	return verdict();
}
