#include "zq.h"
#include "syscall.h"
#include "atomic.h"
#include "futex.h"
#include <signal.h>
#include <time.h>
#include <fcntl.h>

/* A snapshot's SIGPWR: queued (not sent) with ZQ_SNAPSHOT. Anyone who may
 * signal the process may ask; a snapshot only reads it. */
int __zq_is_snapshot(const siginfo_t *si)
{
	return si->si_code == SI_QUEUE && si->si_value.sival_int == ZQ_SNAPSHOT;
}

/* linux/userfaultfd.h, which musl's tree does not have. */
#define UFFD_API 0xaa
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1ULL << 12)
#define UFFD_FEATURE_WP_UNPOPULATED (1ULL << 13)
#define UFFD_FEATURE_WP_ASYNC (1ULL << 15)
#define UFFDIO_API 0xc018aa3fUL
#define UFFDIO_REGISTER 0xc020aa00UL
#define UFFDIO_REGISTER_MODE_WP 2

/* Async write-protect: a write to a protected page is resolved by the
 * kernel at once (nobody waits on a handler) and leaves the page
 * "written" for PAGEMAP_SCAN. Registering takes no time; the launcher
 * protects and scans from outside while the program runs. Returns the
 * descriptor, or -1 (no userfaultfd for this user: the launcher copies
 * with the threads held instead). Pages never touched are protected too
 * (WP_UNPOPULATED): a page of the file the process has not mapped yet
 * may hold data. */
int __zq_snapshot_arm(void)
{
	struct zq_header *h = __zq_ctx;
	struct { uint64_t api, features, ioctls; } api = { UFFD_API,
		UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_ASYNC, 0 };
	uint32_t i, n = zq_region_total(h);
	int fd = __syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) return -1;
	if (__syscall(SYS_ioctl, fd, UFFDIO_API, &api)) {
		__syscall(SYS_close, fd);
		return -1;
	}
	/* A region that will not register is copied whole at the snapshot:
	 * the launcher's scan of it fails. */
	for (i = 0; i < n; i++) {
		struct zq_region r = zq_region_view(h, i);
		struct { uint64_t start, len, mode, ioctls; } reg = {
			r.start, r.end - r.start, UFFDIO_REGISTER_MODE_WP, 0 };
		if (ZQ_IMAGE_FILE(r.file) && r.end > r.start)
			__syscall(SYS_ioctl, fd, UFFDIO_REGISTER, &reg);
	}
	return fd;
}

_Static_assert(sizeof(struct zq_header) <= ZQ_PUNCH_OFF
	&& ZQ_PUNCH_OFF + 8 + ZQ_PUNCH_CAP * sizeof(struct zq_punch) <= ZQ_REGIONS_OFF,
	"the punch log lies between the header and the region table");

/* Logged before the punch (image.h, ZQ_PUNCH_OFF), under the runtime's
 * lock: a thread captured between the two has its punch still to come,
 * and the snapshot takes the range as it is then. An entry written but
 * not yet counted is such a punch too. */
void __zq_punched(uint32_t file, uint64_t off, uint64_t len)
{
	volatile uint64_t *seq = (void *)((char *)__zq_ctx + ZQ_PUNCH_OFF);
	struct zq_punch *at = (void *)(seq + 1);
	uint64_t n = *seq;

	at[n % ZQ_PUNCH_CAP] = (struct zq_punch){ off, len, file, 0 };
	a_barrier();
	*seq = n + 1;
	a_barrier();
}

#define HOLD_MAX_S 120

/* Every thread is captured and the image says saved (or lost): wait for
 * the launcher's ZQ_SNAPSHOT_DONE, SIGPWR being blocked in the handler.
 * 0: go on. -1: a power failure came meanwhile (any other SIGPWR), and
 * the process dies of it with the capture it has. A launcher that never
 * answers lets the program go on after HOLD_MAX_S. */
int __zq_snapshot_hold(void)
{
	unsigned long set = 1UL << (SIGPWR - 1);
	struct timespec ts = { HOLD_MAX_S, 0 };
	siginfo_t si;

	for (;;) {
		int r = __syscall(SYS_rt_sigtimedwait, &set, &si, &ts, _NSIG/8);
		if (r == -EINTR) continue;
		if (r != SIGPWR) return 0;
		if (si.si_code == SI_QUEUE && si.si_value.sival_int == ZQ_SNAPSHOT_DONE) return 0;
		if (__zq_is_snapshot(&si)) continue; /* one asked twice: this one answers both */
		return -1;
	}
}

/* The process goes on as if no SIGPWR had come: the thread table is
 * emptied (each entry free first), the state is running again, and the
 * parked threads return from their handlers to where they were. */
void __zq_snapshot_release(void)
{
	struct zq_header *h = __zq_ctx;
	struct zq_thread *t = ZQ_THREADS(h);
	uint32_t i, n = h->thread_count < h->thread_cap ? h->thread_count : h->thread_cap;

	for (i = 0; i < n; i++) t[i].state = ZQ_THREAD_FREE;
	h->thread_count = 0;
	h->lost_reason = 0;
	h->lost_errno = 0;
	a_barrier();
	h->state = ZQ_STATE_RUNNING;
	a_store(&__zq_snapshot_go, 1);
	a_store(&__zq_failing, 0);
	__syscall(SYS_futex, &__zq_failing, FUTEX_WAKE|FUTEX_PRIVATE, 0x7fffffff);
}
