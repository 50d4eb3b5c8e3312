/* Regular files: offset, O_APPEND, a dup sharing the offset, a directory
 * for *at() calls, /dev/null and /dev/urandom. */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[4096], buf[16] = {0};
	int d = open(dir, O_RDONLY|O_DIRECTORY);
	snprintf(path, sizeof path, "%s/kind-file.txt", dir);
	int f = open(path, O_RDWR|O_CREAT|O_TRUNC, 0600);
	int a = open(path, O_WRONLY|O_APPEND);
	int null = open("/dev/null", O_WRONLY), rnd = open("/dev/urandom", O_RDONLY);
	write(f, "0123456789", 10);
	lseek(f, 4, SEEK_SET);
	int g = dup(f);
	hold(1.5);
	CHECK(lseek(g, 0, SEEK_CUR) == 4, "dup offset %ld", (long)lseek(g, 0, SEEK_CUR));
	CHECK(read(f, buf, 3) == 3 && !memcmp(buf, "456", 3), "read at offset: %s", buf);
	CHECK(lseek(g, 0, SEEK_CUR) == 7, "dup no longer shares the offset");
	CHECK(write(a, "AB", 2) == 2, "append write");
	CHECK(lseek(f, 0, SEEK_END) == 12, "O_APPEND lost: size %ld", (long)lseek(f, 0, SEEK_END));
	CHECK(fcntl(a, F_GETFL) & O_APPEND, "O_APPEND flag lost");
	CHECK(faccessat(d, "kind-file.txt", R_OK, 0) == 0, "directory fd for *at(): %s", strerror(errno));
	CHECK(write(null, "x", 1) == 1, "/dev/null");
	CHECK(read(rnd, buf, 8) == 8, "/dev/urandom");
	unlink(path);
	return verdict();
}
