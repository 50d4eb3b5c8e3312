#include "zq.h"
#include <string.h>
#include <errno.h>

/* The table is a sorted array of non-overlapping ranges. Neighbours
 * with the same file, protection and contiguous offsets are merged,
 * as the kernel merges VMAs, so it stays as short as the mappings. */

static struct zq_region *table(void)
{
	return ZQ_REGIONS(__zq_ctx);
}

/* Index of the first region that ends above addr. */
size_t __zq_region_find(uint64_t addr)
{
	struct zq_region *r = table();
	size_t lo = 0, hi = __zq_ctx->region_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].end <= addr) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/* Bytes of the table that have their file space in the context. */
static uint64_t taken = ZQ_RESERVE_CHUNK;

/* Make sure extra more entries fit, in capacity and in file space. */
long __zq_region_room(size_t extra)
{
	size_t need = __zq_ctx->region_count + extra;

	if (need > __zq_ctx->region_cap) return -ENOMEM;
	return __zq_reserve_table(ZQ_REGIONS_OFF, &taken,
		need * sizeof(struct zq_region));
}

static void open_gap(size_t i)
{
	struct zq_region *r = table();
	size_t n = __zq_ctx->region_count;

	memmove(r + i + 1, r + i, (n - i) * sizeof *r);
	__zq_ctx->region_count = n + 1;
}

static void close_gap(size_t i, size_t k)
{
	struct zq_region *r = table();
	size_t n = __zq_ctx->region_count;

	if (!k) return;
	memmove(r + i, r + i + k, (n - i - k) * sizeof *r);
	__zq_ctx->region_count = n - k;
}

static void trim_front(struct zq_region *r, uint64_t start)
{
	r->offset += start - r->start;
	r->start = start;
}

long __zq_region_cut(uint64_t start, uint64_t end)
{
	struct zq_region *r = table();
	size_t n = __zq_ctx->region_count;
	size_t i = __zq_region_find(start), j;

	if (i < n && r[i].start < start && r[i].end > end) {
		long e = __zq_region_room(1);
		if (e) return e;
		open_gap(i + 1);
		r[i + 1] = r[i];
		trim_front(&r[i + 1], end);
		r[i].end = start;
		return 0;
	}
	if (i < n && r[i].start < start) r[i++].end = start;
	for (j = i; j < n && r[j].end <= end; j++);
	if (j < n && r[j].start < end) trim_front(&r[j], end);
	close_gap(i, j - i);
	return 0;
}

static int mergeable(const struct zq_region *a, const struct zq_region *b)
{
	return a->end == b->start && a->prot == b->prot && a->file == b->file
		&& a->offset + (a->end - a->start) == b->offset;
}

/* The range of x must be free in the table. */
long __zq_region_add(const struct zq_region *x)
{
	struct zq_region *r = table();
	size_t n = __zq_ctx->region_count;
	size_t i = __zq_region_find(x->start);
	int left = i > 0 && mergeable(&r[i-1], x);
	int right = i < n && mergeable(x, &r[i]);

	if (left && right) {
		r[i-1].end = r[i].end;
		close_gap(i, 1);
	} else if (left) {
		r[i-1].end = x->end;
	} else if (right) {
		r[i].start = x->start;
		r[i].offset = x->offset;
	} else {
		long e = __zq_region_room(1);
		if (e) return e;
		open_gap(i);
		r[i] = *x;
	}
	return 0;
}

long __zq_region_protect(uint64_t start, uint64_t end, uint32_t prot)
{
	uint64_t a = start;
	long e;

	while (a < end) {
		struct zq_region *r = table();
		size_t i = __zq_region_find(a);
		struct zq_region x;

		if (i == __zq_ctx->region_count || r[i].start >= end) break;
		x = r[i];
		if (x.start < a) trim_front(&x, a);
		if (x.end > end) x.end = end;
		a = x.end;
		if (x.prot == prot) continue;
		if ((e = __zq_region_room(2))) return e;
		x.prot = prot;
		__zq_region_cut(x.start, x.end);
		__zq_region_add(&x);
	}
	return 0;
}
