/* A FIFO whose two ends the program holds (the reader blocking): each
 * end's reopen must not wait for the other. */
#include "check.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

static int w;

static void *late_writer(void *arg)
{
	(void)arg;
	hold(1.2);
	write(w, "late", 4);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096], buf[8] = { 0 };
	pthread_t t;
	ssize_t n;
	int r;

	snprintf(path, sizeof path, "%s/fifo", argc > 1 ? argv[1] : "/tmp");
	unlink(path);
	mkfifo(path, 0600);
	r = open(path, O_RDONLY | O_NONBLOCK);
	w = open(path, O_WRONLY);
	fcntl(r, F_SETFL, 0);
	pthread_create(&t, 0, late_writer, 0);
	while ((n = read(r, buf, sizeof buf)) < 0 && errno == EINTR);
	CHECK(n == 4 && !memcmp(buf, "late", 4), "blocked reader got %zd '%s'", n, buf);
	CHECK(!(fcntl(r, F_GETFL) & O_NONBLOCK), "the reader is blocking again");
	CHECK((fcntl(w, F_GETFL) & O_ACCMODE) == O_WRONLY, "the writer writes");
	pthread_join(t, 0);
	unlink(path);
	return verdict();
}
