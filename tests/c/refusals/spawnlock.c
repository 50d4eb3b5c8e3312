/* posix_spawn's child, stuck before its exec (a file action opening a
 * FIFO nobody writes yet), must not hold the image's lock, arena or
 * directory: a flock belongs to the open file, which a child shares until
 * it execs. The main thread looks at the child's descriptors, then lets
 * it go on. */
#include "../kinds/check.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;
static char fifo[64];
static int spawned;

static void *spawner(void *arg)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "/bin/true", 0 };
	pid_t pid;
	int status;

	(void)arg;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 10, fifo, O_RDONLY, 0);
	spawned = posix_spawn(&pid, argv[0], &fa, 0, argv, environ) == 0
		&& waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status);
	return 0;
}

/* The child: the process whose parent we are, once it sleeps (in the
 * FIFO's open, after the runtime's part of the child has run). */
static int sleeping_child(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[64], stat[512] = {0}, state;
		int pid = atoi(e->d_name), ppid, fd;
		if (pid <= 0) continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		if ((fd = open(path, O_RDONLY)) < 0) continue;
		read(fd, stat, sizeof stat - 1);
		close(fd);
		char *p = strrchr(stat, ')');
		if (p && sscanf(p + 2, "%c %d", &state, &ppid) == 2 && ppid == getpid() && state == 'S')
			found = pid;
	}
	if (d) closedir(d);
	return found;
}

static int image_fds_of(int pid)
{
	char path[300], link[256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, e->d_name);
		memset(link, 0, sizeof link);
		readlink(path, link, sizeof link - 1);
		if (strstr(link, "/lock") || strstr(link, "/regions/arena")) {
			printf("the stuck child holds %s: %s\n", e->d_name, link);
			n++;
		}
	}
	if (d) closedir(d);
	return n;
}

int main(void)
{
	pthread_t t;
	int child, w;

	snprintf(fifo, sizeof fifo, "/tmp/zq-spawnlock-%d", getpid());
	CHECK(mkfifo(fifo, 0600) == 0, "mkfifo: %s", strerror(errno));
	pthread_create(&t, 0, spawner, 0);
	while (!(child = sleeping_child())) hold(0.01);
	CHECK(image_fds_of(child) == 0, "the child holds the image's descriptors");
	w = open(fifo, O_WRONLY);
	close(w);
	pthread_join(t, 0);
	unlink(fifo);
	CHECK(spawned, "the spawned program ran");
	return verdict();
}
