/* The image layout: the one definition shared by the shim, the runtime
 * inside musl, and (mirrored field by field) src/Interpose/Image/Layout.cs.
 * Every structure has fixed-size fields and explicit padding so that the C
 * compiler and the C# mirror agree without packing pragmas; a test compares
 * every offset and size. Bump ZQ_ABI_VERSION on any change. */
#ifndef ZHUQUE_IMAGE_H
#define ZHUQUE_IMAGE_H

#include <stdint.h>

#define ZQ_MAGIC        0x314d494555514857ULL /* "WHQUEIM1" little-endian */
#define ZQ_ABI_VERSION  9

/* The auxv entry by which the shim tells the runtime where the context
 * lives. A program started any other way has no such entry, and the
 * runtime stays dormant: the same binary then runs natively. */
#define AT_ZHUQUE       0x5a51

/* The part of the address space Zhuque owns. Programs are ET_EXEC at
 * 0x400000; the kernel places its own mappings top-down from 0x7fff...
 * This window lies between them. */
#define ZQ_SHIM_BASE     0x0000080000000000ULL  /* the shim is linked here */
#define ZQ_CONTEXT_ADDR  0x0000100000000000ULL
#define ZQ_CONTEXT_SIZE  0x0000000040000000ULL  /* 1 GiB, sparse */
#define ZQ_STACK_TOP     0x0000100100000000ULL  /* main stack grows down */
#define ZQ_STACK_MAX     0x00000000c0000000ULL  /* 3 GiB at the most */
#define ZQ_ARENA_BASE    0x0000200000000000ULL  /* anonymous mmaps */
#define ZQ_ARENA_SIZE    0x0000080000000000ULL  /* 8 TiB, sparse */
#define ZQ_BRK_MAX       0x0000000040000000ULL  /* 1 GiB after the program */
#define ZQ_FILES_BASE    0x0000050000000000ULL  /* files mapped where the program let
                                                 * the kernel choose (libraries): low
                                                 * enough that regions/fixed, whose
                                                 * offsets are addresses, fits ext4's
                                                 * 16 TiB files; up to ZQ_SHIM_BASE */
#define ZQ_GATE_ADDR     0x00000c0000000000ULL  /* one page of code, mapped by the
                                                 * shim: a system call from outside
                                                 * the program's text (seccomp) */

/* The runtime's private signal: it stops each thread at a failure. musl
 * reserves 32-34; Zhuque takes 35 and moves SIGRTMIN to 36. */
#define ZQ_SIGSTOP_THREAD 35

/* Offsets of the tables inside the context file. Capacities are large
 * because the file is sparse: an unused entry costs no memory. */
#define ZQ_REGIONS_OFF   0x0000000000001000ULL
#define ZQ_REGIONS_CAP   (1u << 20)
#define ZQ_THREADS_OFF   0x0000000002001000ULL
#define ZQ_THREADS_CAP   (1u << 16)
#define ZQ_FDS_OFF       0x0000000002400000ULL  /* descriptors saved at a failure */
#define ZQ_FDS_CAP       (1u << 18)
#define ZQ_BACKLOG_OFF   0x0000000003c00000ULL  /* int32 listen backlog by fd */
#define ZQ_SCRATCH_OFF   0x0000000003d00000ULL  /* the runtime's work space */
#define ZQ_SCRATCH_SIZE  0x0000000000300000ULL
#define ZQ_SAVE_OFF      0x0000000004000000ULL  /* bytes the descriptors name */
#define ZQ_SAVE_SIZE     0x000000003b000000ULL
#define ZQ_MAPS_OFF      0x000000003f000000ULL  /* files mapped read-only */
#define ZQ_MAPS_CAP      (1u << 12)

/* The ranges of image files the runtime punched or cut short, in the
 * context's first page after the header: a ring the runtime appends to
 * (entry seq % ZQ_PUNCH_CAP, then seq one on), before each punch, under
 * its lock: a uint64_t seq, the punches logged over the image's life,
 * then ZQ_PUNCH_CAP struct zq_punch. A punch is no write: `zhuque snapshot`'s write tracker does
 * not see it, so the snapshot's pause matches holes only in the ranges
 * punched since its first hold, or in every file when more than the
 * ring holds were. */
#define ZQ_PUNCH_OFF     0x0000000000000400ULL
#define ZQ_PUNCH_CAP     120u

/* Image memory takes its file space when it is handed out, so a full
 * filesystem is an ENOMEM from mmap or brk, never a SIGBUS on a store.
 * The shim takes the space of the data, the stack, the scratch area and
 * the first part of each context table at start; the runtime takes more
 * as a table grows past it. */
#define ZQ_RESERVE_CHUNK 0x0000000000010000ULL  /* table growth step: 64 KiB */
#define ZQ_RESERVE_SAVE  0x0000000000040000ULL  /* of the save area at start */

/* The header's state, and who moves it (shim: native/shim, at run or
 * resume; runtime: native/runtime, inside the program; launcher: src/,
 * with a pwrite of the word once the process is gone, ContextWriter):
 *   (none) -> NEW        shim, creating the context (run)
 *   NEW -> RUNNING       shim, just before it enters the program (run)
 *   RUNNING -> SAVED     runtime, a failure captured, checksum last
 *   RUNNING -> LOST      runtime, a failure it could not save (lost_reason);
 *                        launcher, SIGPWR or another signal killed the
 *                        process before the runtime saved it
 *   SAVED -> RUNNING     runtime, once every thread of a resume is back
 *   RUNNING -> EXITED    runtime, at exit (exit_status first); launcher,
 *                        the same, when the process exited without it
 *   RUNNING -> FAULTED   launcher, the process died of a fault signal
 *   RUNNING -> SAVED     guard (native/guard), a death by signal saved
 *                        from outside, checksum last
 *   RUNNING -> LOST      guard, a death it must not save (lost_reason)
 *   RUNNING -> NEW       guard, a death in libc's start, before the
 *                        runtime could take a failure: nothing ran
 * A resume cut short leaves SAVED: the shim never writes the state then. */
enum zq_state {
	ZQ_STATE_NEW     = 0, /* being created by the shim */
	ZQ_STATE_RUNNING = 1,
	ZQ_STATE_SAVED   = 2, /* failure captured, resumable */
	ZQ_STATE_EXITED  = 3, /* normal exit, memory released */
	ZQ_STATE_LOST    = 4, /* died without a saved context */
	ZQ_STATE_FAULTED = 5, /* the program crashed itself */
};

/* Why a failure was not saved (state LOST), recorded by the runtime
 * before it dies, with an errno in lost_errno: 0 when a table is at its
 * capacity, ENOSPC or EDQUOT when its file could not grow. For
 * ZQ_LOST_TIMEOUT, lost_errno names a thread that did not stop instead:
 * its tid in the low 24 bits and its state letter from /proc (R, S, D,
 * t, Z...) in the next 7, so that a timeout says what that thread was
 * doing (0: not known). */
enum zq_lost {
	ZQ_LOST_NONE    = 0,
	ZQ_LOST_TASKS   = 1, /* /proc/self/task could not be read */
	ZQ_LOST_THREADS = 2, /* the thread table */
	ZQ_LOST_TIMEOUT = 3, /* a thread did not stop in time */
	ZQ_LOST_FDS     = 4, /* the descriptor table */
	ZQ_LOST_SAVE    = 5, /* the save area (pipe bytes, paths, addresses) */
	ZQ_LOST_RUNTIME = 6, /* killed inside the runtime (guard) */
	ZQ_LOST_GUARD   = 7, /* the guard could not write a thread's frame */
};

enum zq_file {
	ZQ_FILE_PROGRAM = 0,
	ZQ_FILE_DATA    = 1, /* writable PT_LOAD segments */
	ZQ_FILE_STACK   = 2, /* main thread stack */
	ZQ_FILE_BRK     = 3, /* emulated brk heap */
	ZQ_FILE_ARENA   = 4, /* anonymous mmaps: offset = addr - ZQ_ARENA_BASE */
	ZQ_FILE_FIXED   = 5, /* MAP_FIXED outside the window: offset = addr */
	ZQ_FILE_COUNT   = 6,
	ZQ_FILE_MAPPED  = 0x100, /* + i: entry i of the mapped-file table */
};

/* The backing file of each zq_file below ZQ_FILE_COUNT, by name under
 * IMAGE/ZQ_REGIONS_DIR/: the one list of them (shim, runtime, and the
 * launcher's mirror). PROGRAM has none: it is the program file itself,
 * mapped privately and read-only; nor have the files the program mapped. */
#define ZQ_REGIONS_DIR "regions"
static const char zq_file_names[ZQ_FILE_COUNT][8] = {
	[ZQ_FILE_PROGRAM] = "",
	[ZQ_FILE_DATA] = "data", [ZQ_FILE_STACK] = "stack", [ZQ_FILE_BRK] = "brk",
	[ZQ_FILE_ARENA] = "arena", [ZQ_FILE_FIXED] = "fixed",
};

/* A mapped range, kept sorted by start and merged like kernel VMAs.
 * Written by the shim at run (program, data, stack), then by the runtime
 * at every mapping change; the shim maps them back at resume. */
struct zq_region {
	uint64_t start;   /* page aligned */
	uint64_t end;     /* exclusive, page aligned */
	uint64_t offset;  /* of start in the backing file */
	uint32_t prot;    /* PROT_* */
	uint32_t file;    /* enum zq_file */
};

enum zq_thread_state {
	ZQ_THREAD_FREE     = 0,
	ZQ_THREAD_CAPTURED = 1, /* its frame is on its stack, complete */
};

/* A thread captured at a failure: written by the runtime (the shim at
 * resume only reads it; the runtime frees the entry). */
struct zq_thread {
	uint64_t tp;      /* thread pointer (fs base) */
	uint64_t frame;   /* its ucontext_t, pushed by the kernel on its stack */
	int32_t  tid;     /* kernel tid at failure */
	uint32_t state;   /* enum zq_thread_state */
	uint32_t signo;   /* the signal that stopped it */
	uint32_t ss_flags; /* its sigaltstack */
	uint64_t ss_sp;
	uint64_t ss_size;
	int32_t  mem_tid; /* unused since ABI 8 (a resume keeps every tid);
	                   * was the tid of a resume cut short */
	uint32_t pad0;
	uint8_t  comm[16]; /* its name (PR_GET_NAME), given back at resume */
};

/* One punch (ZQ_PUNCH_OFF): bytes [off, off + len) of the file. */
struct zq_punch {
	uint64_t off;
	uint64_t len;
	uint32_t file;    /* enum zq_file */
	uint32_t pad;
};

/* A thread's sigaltstack as it last set it, kept by the runtime in the
 * program's memory (header altstack_addr) for the guard: a thread killed
 * by SIGKILL cannot be asked, and no interface shows it from outside.
 * Keyed by thread pointer and tid; tp 0 is a free entry. */
struct zq_altstack {
	uint64_t tp;
	uint64_t sp;
	uint64_t size;
	int32_t  tid;
	uint32_t flags;   /* ss_flags: SS_DISABLE, or 0 */
};

/* What a descriptor was, saved at a failure: one save/restore pair per
 * kind (native/runtime/fd_KIND.c saves, native/shim/fd_KIND.c restores). */
enum zq_fd_kind {
	ZQ_FD_FILE     = 1, /* by path: regular file, directory, device, FIFO */
	ZQ_FD_PIPE     = 2,
	ZQ_FD_EVENTFD  = 3,
	ZQ_FD_TIMERFD  = 4,
	ZQ_FD_SIGNALFD = 5,
	ZQ_FD_EPOLL    = 6,
	ZQ_FD_LISTEN   = 7, /* listening or bound datagram socket */
	ZQ_FD_SOCKET   = 8, /* connected socket: comes back with its peer closed */
	ZQ_FD_DUP      = 9, /* shares the open file description of same_as */
	ZQ_FD_OTHER    = 10, /* a kind Zhuque cannot restore */
};

/* What each kind keeps in zq_fd's arg, written by native/runtime/fd_KIND.c
 * and read by native/shim/fd_KIND.c (and inspect). Every value is 64-bit,
 * each kind's 32 bytes: FILE, PIPE, EPOLL, DUP and OTHER keep none (raw
 * is zero). */
struct zq_fd_eventfd {
	uint64_t count;       /* the counter */
	uint64_t semaphore;   /* 1 for EFD_SEMAPHORE */
	uint64_t pad[2];
};

struct zq_fd_timerfd {
	uint64_t clock;       /* its clockid */
	uint64_t value_ns;    /* left before it fires; 0: disarmed */
	uint64_t interval_ns; /* 0: fires once */
	uint64_t pad;
};

struct zq_fd_signalfd {
	uint64_t mask;        /* the signal mask: bit n-1 for signal n */
	uint64_t pad[3];
};

/* LISTEN and SOCKET begin alike: what socket(2) is given again. */
struct zq_fd_listen {
	uint64_t domain;      /* SO_DOMAIN */
	uint64_t type;        /* SO_TYPE */
	uint64_t protocol;    /* SO_PROTOCOL */
	uint64_t backlog;     /* given to listen(2), or SOMAXCONN */
};

struct zq_fd_socket {
	uint64_t domain;
	uint64_t type;
	uint64_t protocol;
	uint64_t peer_ino;    /* Unix: the other end's inode (sock_diag), 0
	                       * unknown; its holder, if saved, is peer */
};

union zq_fd_arg {
	uint64_t raw[4];
	struct zq_fd_eventfd eventfd;
	struct zq_fd_timerfd timerfd;
	struct zq_fd_signalfd signalfd;
	struct zq_fd_listen listen;
	struct zq_fd_socket socket;
};

/* Written by the runtime at a failure, read by the shim at resume (which
 * writes nothing into it) and by the launcher. */
struct zq_fd {
	int32_t  fd;
	uint32_t kind;     /* enum zq_fd_kind */
	int32_t  flags;    /* file status flags (F_GETFL) */
	int32_t  cloexec;  /* FD_CLOEXEC */
	int32_t  same_as;  /* DUP: the lower descriptor it shares a file with */
	int32_t  peer;     /* PIPE, SOCKET: a descriptor of the other end, or -1 */
	uint64_t pos;      /* FILE: offset */
	uint64_t dev;      /* st_dev and st_ino, to tell shared files */
	uint64_t ino;
	uint64_t data_off; /* in the save area: path, address and options, */
	uint32_t data_len; /* unread pipe bytes or epoll registrations */
	uint32_t deleted;  /* FILE: unlinked while open */
	union zq_fd_arg arg; /* per kind, above */
};

/* EPOLL data: one per registration. */
struct zq_epoll_item {
	int32_t  fd;
	uint32_t events;
	uint64_t data;
};

/* LISTEN data: this head, the address as getsockname gave it (addr_len
 * bytes, padded to 8), then zq_sockopt entries to data_len. */
struct zq_listen_head {
	uint32_t addr_len;
	uint32_t pad;
};

static inline uint32_t zq_listen_opts(uint32_t addr_len)
{
	return sizeof(struct zq_listen_head) + ((addr_len + 7) & -8u);
}

/* LISTEN data: an option to set again. */
struct zq_sockopt {
	int32_t level;
	int32_t name;
	int32_t value;
	int32_t pad;
};

/* A file the program mapped read-only, or writable and MAP_SHARED (a
 * private writable mapping is image memory), recorded by the runtime: at
 * resume the shim opens it by path, checks it is the same file, unchanged,
 * and maps it again with the same flags. Regions name it as
 * ZQ_FILE_MAPPED + its index; offsets are the file's. */
#define ZQ_MAP_WRITABLE 0x100u /* in flags: MAP_SHARED and writable; the program
                                * changes the file, so only dev and ino tell it */
struct zq_mapfile {
	uint64_t dev;       /* st_dev, st_ino, st_size and st_mtim at mmap */
	uint64_t ino;
	uint64_t size;
	int64_t  mtime_sec;
	uint64_t mtime_nsec;
	uint32_t flags;     /* MAP_SHARED or MAP_PRIVATE, | ZQ_MAP_WRITABLE */
	uint32_t path_len;
	uint64_t hash;      /* zq_hash of its bytes when recorded; 0: none
	                     * (ZQ_MAP_WRITABLE, or the file could not be read) */
	char     path[4040]; /* /proc/self/fd's name of the descriptor */
};

/* Each field's comment begins with who writes it: S the shim at run
 * (S+ also, or only, at resume), R the runtime, L the launcher (only state and
 * exit_status, see enum zq_state), - nobody; all others only read it. The
 * shim fills every S field before the program's first instruction; R
 * fields change while the program runs, under lock or at a failure. */
struct zq_header {
	uint64_t magic;           /* S: ZQ_MAGIC */
	uint32_t abi_version;     /* S: ZQ_ABI_VERSION */
	uint32_t header_size;     /* S: sizeof(struct zq_header) */
	uint32_t state;           /* S R L: enum zq_state */
	int32_t  pid;             /* S R: of the process that owns the image */
	int32_t  exit_status;     /* R L: valid when EXITED */
	uint32_t lock;            /* R: runtime lock word (futex) */
	uint64_t checksum;        /* R: of the header, this field taken as 0 */
	uint64_t entry;           /* S: program entry point */
	uint64_t phdr;            /* S: AT_PHDR */
	uint64_t phnum;           /* S: AT_PHNUM */
	uint64_t vdso;            /* S: AT_SYSINFO_EHDR at start */
	uint64_t brk_start;       /* S */
	uint64_t brk_cur;         /* S R */
	uint64_t stack_low;       /* S: lowest address of the main stack */
	uint64_t stack_top;       /* S */
	uint64_t arena_hint;      /* S R: next-fit position in the arena */
	uint32_t region_count;    /* S R */
	uint32_t region_cap;      /* S */
	uint64_t region_off;      /* S: ZQ_REGIONS_OFF */
	uint32_t thread_count;    /* R */
	uint32_t thread_cap;      /* S */
	uint64_t thread_off;      /* S: ZQ_THREADS_OFF */
	int32_t  dir_fd;          /* S+: the image directory, O_PATH, close-on-exec */
	int32_t  lock_fd;         /* S+: holds the flock of IMAGE/lock */
	uint64_t started_ns;      /* S: CLOCK_REALTIME at start */
	uint64_t tl_lock;         /* R: &__thread_list_lock: every thread's clear-tid word */
	uint64_t resume_entry;    /* R: the runtime's __zq_resume_thread */
	uint64_t saved_ns;        /* R: CLOCK_REALTIME when the last failure was saved */
	uint64_t save_ns;         /* R: how long capturing it took */
	uint64_t sync_ns;         /* R: of which flushing to disk (msync) */
	uint32_t failures;        /* R: failures saved over the image's life */
	uint32_t resumes;         /* R */
	uint32_t resume_ready;    /* S+ R: threads waiting at the resume barrier */
	uint32_t resume_go;       /* S+ R: set when every thread may continue */
	uint32_t pwr_pending;     /* R: the program's SIGPWR handler is owed a call */
	uint32_t flags;           /* S: ZQ_FLAG_* */
	uint32_t fd_count;        /* R: descriptors saved at the last failure */
	uint32_t fd_cap;          /* R */
	uint64_t fd_off;          /* R: ZQ_FDS_OFF */
	uint64_t save_off;        /* R: ZQ_SAVE_OFF */
	uint64_t save_len;        /* R: bytes used in the save area */
	uint64_t cwd_off;         /* R: the working directory, in the save area */
	uint32_t cwd_len;         /* R */
	uint32_t umask;           /* R */
	int32_t  arena_fd;        /* S+: regions/arena, to take its space (fallocate) */
	uint32_t pad0;            /* - */
	uint64_t xcr0;            /* S: the CPU state components (XCR0) the frames hold */
	uint64_t vdso_hash;       /* S: FNV-1a of the vDSO's bytes at start: another
	                           * kernel may put another vDSO at that address */
	uint32_t lost_reason;     /* R: enum zq_lost, when a failure was not saved */
	int32_t  lost_errno;      /* R */
	uint32_t map_count;       /* R: entries of the mapped-file table */
	uint32_t map_cap;         /* S */
	uint64_t map_off;         /* S: ZQ_MAPS_OFF */
	uint64_t prog_base;       /* S: load bias of an ET_DYN program, 0 for ET_EXEC */
	uint64_t interp_base;     /* S: libc.so's load bias, 0 for a static program */
	/* R: the region table edit under way (struct zq_splice above): a
	 * thread stopped inside it, by SIGPWR or SIGKILL, leaves the table
	 * half moved, and zq_region_view() reads it as the edit's result. */
	uint32_t splice_state;    /* R: ZQ_SPLICE_* */
	uint32_t splice_at;       /* R: first entry replaced */
	uint32_t splice_removed;  /* R: entries replaced */
	uint32_t splice_added;    /* R: entries put in their place, at most 3 */
	uint32_t splice_count;    /* R: region_count before the edit */
	uint32_t sections_caught; /* R: captures that found a thread inside a
	                           * runtime section (holding the lock) */
	uint64_t splice_moved;    /* R: entries after the replaced ones moved so far */
	uint64_t splice_add[12];  /* R: the entries put in, as 3 struct zq_region */
	uint64_t altstack_addr;   /* R: the runtime's struct zq_altstack table */
	uint32_t altstack_cap;    /* R: its entries */
	uint32_t pad1;            /* - */
};

#define ZQ_FLAG_SYNC 1u  /* image on a disk filesystem: msync at failure */
#define ZQ_FLAG_LAZY_SPACE 2u /* run --lazy-space: memory takes file space at
                               * its first store, not at mmap (faster; a full
                               * disk is then a SIGBUS, not an ENOMEM) */

/* The checksum of a saved image: FNV-1a (64-bit) over the header, then
 * the region_count regions, the thread_count threads, the fd_count
 * descriptors, the map_count mapped files and the save_len bytes of the
 * save area, as stored. Written last when a failure is saved; only a
 * saved image's is meaningful. The words a resume writes before the
 * program runs again count as zero (the checksum field itself, the
 * runtime's descriptor numbers, the resume barrier, each thread's
 * mem_tid), so a resume cut short leaves an image that resumes. */
#define ZQ_FNV_OFFSET 0xcbf29ce484222325ULL
#define ZQ_FNV_PRIME  0x100000001b3ULL

static inline uint64_t zq_fnv(uint64_t h, const void *p, uint64_t n)
{
	const unsigned char *b = p;
	while (n--) h = (h ^ *b++) * ZQ_FNV_PRIME;
	return h;
}

static inline uint64_t zq_checksum(const struct zq_header *h)
{
	const struct zq_thread *t = (const void *)((const char *)h + h->thread_off);
	struct zq_header copy = *h;
	uint64_t sum;
	uint32_t i;

	copy.checksum = 0;
	copy.dir_fd = copy.lock_fd = copy.arena_fd = 0;
	copy.resume_ready = copy.resume_go = 0;
	sum = zq_fnv(ZQ_FNV_OFFSET, &copy, sizeof copy);
	sum = zq_fnv(sum, (const char *)h + h->region_off, (uint64_t)h->region_count * sizeof(struct zq_region));
	for (i = 0; i < h->thread_count; i++) {
		struct zq_thread x = t[i];
		x.mem_tid = 0;
		sum = zq_fnv(sum, &x, sizeof x);
	}
	sum = zq_fnv(sum, (const char *)h + h->fd_off, (uint64_t)h->fd_count * sizeof(struct zq_fd));
	sum = zq_fnv(sum, (const char *)h + h->map_off, (uint64_t)h->map_count * sizeof(struct zq_mapfile));
	return zq_fnv(sum, (const char *)h + h->save_off, h->save_len);
}

/* The content hash of a file the image maps again (zq_mapfile.hash):
 * a rebuilt library may keep its size, and a copy its mtime. Not FNV-1a,
 * whose byte at a time costs ~1 ms per MB: little-endian 64-bit words
 * (the last zero-padded) each mixed in by one multiply and shift, so a
 * library hashes at memory speed. It guards against accidents, not an
 * adversary (the program itself has its SHA-256 in the manifest). */
#define ZQ_HASH_MUL 0x9e3779b97f4a7c15ULL

static inline uint64_t zq_hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * ZQ_HASH_MUL;
	return h ^ (h >> 29);
}

static inline uint64_t zq_hash(const void *p, uint64_t n)
{
	const unsigned char *b = p;
	uint64_t h = zq_hash_word(ZQ_FNV_OFFSET, n), w = 0;
	uint64_t i;

	for (; n >= 8; b += 8, n -= 8) {
		__builtin_memcpy(&w, b, 8);
		h = zq_hash_word(h, w);
	}
	for (w = 0, i = 0; i < n; i++) w |= (uint64_t)b[i] << (8 * i);
	h = zq_hash_word(h, w);
	return h ^ (h >> 32);
}

#define ZQ_HEADER(base) ((struct zq_header *)(base))
#define ZQ_REGIONS(h) ((struct zq_region *)((char *)(h) + (h)->region_off))

/* Runtime sections. The runtime changes the region table and the
 * kernel's mappings under one lock (header.lock), and a thread may be
 * stopped at any instruction of such a section: by SIGPWR (the runtime
 * saves it where it is, lock held) or by SIGKILL (the guard saves it at
 * its exit stop). A resume maps what the table says and lets the thread
 * finish. So that this is right at every instruction:
 *  - the table changes first, then the system calls that make the
 *    kernel agree; each such call gives the same result done twice
 *    (mprotect, munmap, mmap MAP_FIXED, a hole punched by descriptor), so
 *    a thread resumed after the table change redoes them on the mappings
 *    the shim made from the table. Durable work on files (fallocate,
 *    ftruncate, holes) may come before: it survives the death;
 *  - every change of the table is one splice (or, when an entry only
 *    changes its end, one aligned 8-byte store): entries [at, at+removed)
 *    become the splice_added entries of splice_add. The runtime writes the
 *    record, sets splice_state PENDING (from here on the edit counts as
 *    done), moves the entries after them one by one, counting each in
 *    splice_moved after it is copied, writes the new entries, sets
 *    region_count, and sets splice_state back to NONE. An entry being
 *    copied still has its source intact, so zq_region_view() gives the
 *    table after the edit from the half moved one; the thread, resumed,
 *    finishes the copy itself (the shim only reads);
 *  - the lock word (header.lock: 0 free, 1 held, 2 held with waiters) may
 *    be found held: its holder is among the threads resumed and releases
 *    it; waiters wait again. A detached thread takes it in pthread_exit,
 *    before musl's thread-list lock, and keeps it to its last instruction:
 *    its stack is out of the table before __zq_unmapself_tail punches it,
 *    so a thread stopped in that tail has no stack the resume maps (it
 *    needs none: the tail uses registers only, and its calls, a hole
 *    punched by the arena's descriptor then PROT_NONE, the unlock and
 *    exit, are the same done twice).
 * The thread table is written only while a failure is captured (each
 * thread its own entry, its state CAPTURED last) and cleared by the resume
 * leader before the program runs: between the two nothing else writes it. */
enum zq_splice_state {
	ZQ_SPLICE_NONE    = 0,
	ZQ_SPLICE_PENDING = 1,
};

/* How many entries the region table has once the edit under way is done. */
static inline uint32_t zq_region_total(const struct zq_header *h)
{
	if (h->splice_state != ZQ_SPLICE_PENDING) return h->region_count;
	return h->splice_count - h->splice_removed + h->splice_added;
}

/* Entry t of the table as it is once the edit under way is done. The
 * caller checked the splice fields (zq_splice_valid). */
static inline struct zq_region zq_region_view(const struct zq_header *h, uint32_t t)
{
	const struct zq_region *r = ZQ_REGIONS(h);
	const struct zq_region *add = (const struct zq_region *)h->splice_add;
	uint32_t at = h->splice_at, k = h->splice_removed, m = h->splice_added;
	uint64_t src, order;

	if (h->splice_state != ZQ_SPLICE_PENDING || t < at) return r[t];
	if (t < at + m) return add[t - at];
	if (m == k) return r[t];
	src = (uint64_t)t + k - m;
	/* Entries move from the far end when the table grows, from the near
	 * end when it shrinks, so that no source is overwritten unread. */
	order = m > k ? h->splice_count - 1 - src : src - at - k;
	return order < h->splice_moved ? r[t] : r[src];
}

static inline int zq_splice_valid(const struct zq_header *h)
{
	if (h->splice_state == ZQ_SPLICE_NONE) return 1;
	return h->splice_state == ZQ_SPLICE_PENDING && h->splice_added <= 3
		&& h->splice_count <= h->region_cap && h->splice_at <= h->splice_count
		&& h->splice_removed <= h->splice_count - h->splice_at
		&& zq_region_total(h) <= h->region_cap
		&& h->splice_moved <= h->splice_count - h->splice_at - h->splice_removed;
}
#define ZQ_THREADS(h) ((struct zq_thread *)((char *)(h) + (h)->thread_off))
#define ZQ_FDS(h) ((struct zq_fd *)((char *)(h) + (h)->fd_off))
#define ZQ_MAPS(h) ((struct zq_mapfile *)((char *)(h) + (h)->map_off))
#define ZQ_SAVED(h, off) ((char *)(h) + (h)->save_off + (off))

#endif
