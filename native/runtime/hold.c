#include "zq.h"
#include "syscall.h"
#include <fcntl.h>
#include <errno.h>
#include <string.h>

/* Arena space held ahead of demand. Taking file space costs about 1 us a
 * page on tmpfs and giving it back as much again, so an mmap+munmap of
 * memory never touched cost ten times the kernel's. A munmap of arena
 * memory therefore gives back only the pages that were stored to (a page
 * whose space was taken but never written reads as a hole to SEEK_DATA)
 * and takes their space again, so that the range reads zero and keeps
 * its space; it is then held, and the next mmap there (next fit reuses
 * the address) needs no fallocate. At most HOLD_MAX bytes in HOLD_SLOTS
 * ranges are held, the oldest given back first, and all of it when a
 * reservation finds the filesystem full.
 *
 * Invariant: a held range cannot be stored to (free in the table, or
 * PROT_NONE there, as a thread's guard page), has its file space and
 * reads zero. So it leaves the set before its space does (any punch, a
 * detached thread's stack, the arena cut short) and before it becomes
 * accessible (every reservation asks here first), and enters only once
 * it is so. A death between the two loses track of some space,
 * never hands out space that is not there. The set lives in .data,
 * image memory, so a resume finds it as the files are. */

#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif

#define HOLD_SLOTS 8
#define HOLD_MAX (4ULL << 20)

static struct { uint64_t off, end; } held[HOLD_SLOTS];
static unsigned nheld;

static long punch(uint64_t off, uint64_t end)
{
	__zq_punched(ZQ_FILE_ARENA, off, end - off);
	return __zq_fallocate(__zq_ctx->arena_fd,
		FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, off, end - off);
}

static void drop_slot(unsigned i)
{
	for (; i + 1 < nheld; i++) held[i] = held[i+1];
	nheld--;
}

/* [off, end) leaves the set; returns how much of it was held. A range
 * split in two with no slot for its right part gives that part back. */
static uint64_t drop(uint64_t off, uint64_t end)
{
	uint64_t got = 0;
	unsigned i = 0;

	while (i < nheld) {
		uint64_t s = held[i].off, e = held[i].end;
		if (e <= off || s >= end) {
			i++;
			continue;
		}
		got += (e < end ? e : end) - (s > off ? s : off);
		if (s < off && e > end) {
			if (nheld < HOLD_SLOTS) {
				held[nheld].off = end;
				held[nheld].end = e;
				held[i].end = off;
				nheld++;
			} else {
				held[i].end = off;
				punch(end, e);
			}
			return got;
		}
		if (s < off) held[i++].end = off;
		else if (e > end) held[i++].off = end;
		else drop_slot(i);
	}
	return got;
}

void __zq_hold_drop(uint64_t off, uint64_t end)
{
	drop(off, end);
}

/* Whether all of [off, off+len) was held: its space is there. */
int __zq_hold_take(uint64_t off, uint64_t len)
{
	return drop(off, off + len) == len;
}

/* Give back every held range: the filesystem is full. */
int __zq_hold_release(void)
{
	if (!nheld) return 0;
	while (nheld) {
		uint64_t s = held[0].off, e = held[0].end;
		drop_slot(0);
		punch(s, e);
	}
	return 1;
}

static uint64_t held_bytes(void)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < nheld; i++) n += held[i].end - held[i].off;
	return n;
}

/* Each run of pages in [off, end) that was stored to, by SEEK_DATA and
 * SEEK_HOLE; fn nonzero stops the walk with that. */
static long stored(uint64_t off, uint64_t end, long (*fn)(uint64_t, uint64_t))
{
	long fd = __zq_ctx->arena_fd, d, h, r;

	while (off < end) {
		d = __syscall(SYS_lseek, fd, off, SEEK_DATA);
		if (d < 0 || (uint64_t)d >= end) return d < 0 && d != -ENXIO;
		h = __syscall(SYS_lseek, fd, d, SEEK_HOLE);
		if (h < 0 || (uint64_t)h > end) h = end;
		if ((r = fn(d, h))) return r;
		off = h;
	}
	return 0;
}

static long zero(uint64_t off, uint64_t end)
{
	memset((void *)(ZQ_ARENA_BASE + off), 0, end - off);
	return 0;
}

/* Punched, then taken again: the pages read zero and keep their space. */
static long retake(uint64_t off, uint64_t end)
{
	return punch(off, end) || __zq_fallocate(__zq_ctx->arena_fd,
		FALLOC_FL_KEEP_SIZE, off, end - off);
}

static int holdable(uint64_t off, uint64_t end)
{
	return !(__zq_ctx->flags & ZQ_FLAG_LAZY_SPACE) && end - off <= HOLD_MAX;
}

/* Before a writable arena range leaves the table: what was stored to it
 * is zeroed in place, by the program's own mapping (cheaper than a punch
 * and taking the space again, and done again by a thread resumed in it,
 * as the table still has the range). */
int __zq_hold_zero(uint64_t off, uint64_t end)
{
	return holdable(off, end) && !stored(off, end, zero);
}

/* The arena's side of an unmapped range that had its space (it was
 * accessible), the kernel's mapping PROT_NONE already: held if it fits,
 * else punched. zeroed: __zq_hold_zero did its part. */
void __zq_hold_give(uint64_t off, uint64_t end, int zeroed)
{
	drop(off, end);
	if (!holdable(off, end) || (!zeroed && stored(off, end, retake))) {
		punch(off, end);
		return;
	}
	while (nheld == HOLD_SLOTS || held_bytes() + (end - off) > HOLD_MAX) {
		uint64_t s = held[0].off, e = held[0].end;
		drop_slot(0);
		punch(s, e);
	}
	held[nheld].off = off;
	held[nheld].end = end;
	nheld++;
}
