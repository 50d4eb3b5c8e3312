/* The program's own /proc files opened by its pid, as Redis opens
 * /proc/PID/stat for its RSS: the pid changes at a resume, so the file is
 * its new self's. Before Zhuque saved these as /proc/self, a failure
 * while one was open made the image unresumable ("descriptor 3 (file)
 * /proc/1234/stat: no such file or directory"). */
#include "check.h"
#include <fcntl.h>

/* The pid field of /proc/.../stat read through fd from its start. */
static long stat_pid(int fd)
{
	char buf[64] = {0};

	if (pread(fd, buf, sizeof buf - 1, 0) <= 0) return -1;
	return strtol(buf, 0, 10);
}

int main(void)
{
	char path[64];
	int stat, status;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)getpid());
	stat = open(path, O_RDONLY);
	snprintf(path, sizeof path, "/proc/%d/status", (int)getpid());
	status = open(path, O_RDONLY);
	CHECK(stat >= 0 && status >= 0, "open /proc/PID: %s", strerror(errno));
	hold(1.5);
	CHECK(stat_pid(stat) == getpid(), "stat names pid %ld, not %d", stat_pid(stat), (int)getpid());
	CHECK(lseek(status, 0, SEEK_SET) == 0 && read(status, path, 5) == 5 && !memcmp(path, "Name:", 5),
		"status unreadable");
	return verdict();
}
