/* Calls that cannot be made persistent fail with ENOSYS (and the image's
 * log says so); the program goes on. */
#include "../kinds/check.h"
#include <sys/shm.h>
#include <sys/syscall.h>

int main(void)
{
	errno = 0;
	CHECK(fork() < 0 && errno == ENOSYS, "fork: %s", strerror(errno));
	errno = 0;
	CHECK(fork() < 0 && errno == ENOSYS, "a second fork: %s", strerror(errno));
	errno = 0;
	CHECK(shmget(IPC_PRIVATE, 4096, 0600) < 0 && errno == ENOSYS, "shmget: %s", strerror(errno));
	errno = 0;
	CHECK(syscall(SYS_io_uring_setup, 4, 0) < 0 && errno == ENOSYS, "io_uring_setup: %s", strerror(errno));
	char *argv[] = { "/bin/true", 0 };
	errno = 0;
	CHECK(execv("/bin/true", argv) < 0 && errno == ENOSYS, "execv: %s", strerror(errno));
	CHECK(system("exit 3") == 3 << 8, "posix_spawn-based system() should still work");
	return verdict();
}
