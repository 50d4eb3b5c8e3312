/* A thread holds flockfile on an fopen'ed FILE across the failure: the
 * lock word names its tid, which changes at resume, and its next write
 * must still see the lock as its own. */
#include "check.h"
#include <pthread.h>

static FILE *f;

static void *holder(void *arg)
{
	(void)arg;
	flockfile(f);
	hold(1.2);
	fprintf(f, "held ");
	fflush(f);
	funlockfile(f);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096], buf[32] = { 0 };
	pthread_t t;
	FILE *g;

	snprintf(path, sizeof path, "%s/flockfile.txt", argc > 1 ? argv[1] : "/tmp");
	f = fopen(path, "w");
	g = fopen("/dev/null", "w"); /* another FILE on the list */
	pthread_create(&t, 0, holder, 0);
	pthread_join(t, 0);
	fprintf(f, "then main");
	fclose(f);
	fclose(g);
	f = fopen(path, "r");
	CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "held then main"), "file holds '%s'", buf);
	if (f) fclose(f);
	unlink(path);
	return verdict();
}
