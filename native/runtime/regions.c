#include "zq.h"
#include "atomic.h"
#include <errno.h>

/* The table is a sorted array of non-overlapping ranges. Neighbours
 * with the same file, protection and contiguous offsets are merged,
 * as the kernel merges VMAs, so it stays as short as the mappings.
 *
 * A thread may be stopped and resumed at any instruction of an edit
 * (image.h, "Runtime sections"), so every edit is one splice whose result
 * zq_region_view() can read from the half moved table. */

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

/* Entries [at, at+k) become the m entries of add (m <= 3; room for any
 * growth taken). The record goes first; once it is marked pending the
 * edit counts as done, and each entry moved is counted after its copy, so
 * a stop anywhere leaves a table zq_region_view() reads whole. */
static void splice(size_t at, size_t k, const struct zq_region *add, size_t m)
{
	struct zq_header *h = __zq_ctx;
	struct zq_region *r = table(), *rec = (struct zq_region *)h->splice_add;
	volatile uint64_t *moved = &h->splice_moved;
	size_t n = h->region_count, tail = n - at - k, t;

	/* An entry that only grows or shrinks at its end (a merge with the
	 * memory just after it, a cut of its last pages) is one store. */
	if (m == 1 && k == 1 && add->start == r[at].start && add->offset == r[at].offset
	    && add->prot == r[at].prot && add->file == r[at].file) {
		((volatile struct zq_region *)r)[at].end = add->end;
		return;
	}
	h->splice_at = at;
	h->splice_removed = k;
	h->splice_added = m;
	h->splice_count = n;
	*moved = 0;
	for (t = 0; t < m; t++) rec[t] = add[t];
	a_barrier();
	a_store((volatile int *)&h->splice_state, ZQ_SPLICE_PENDING);
	if (m > k) {
		for (t = 0; t < tail; t++) {
			r[n-1-t + (m-k)] = r[n-1-t];
			a_barrier();
			*moved = t + 1;
		}
	} else if (m < k) {
		for (t = 0; t < tail; t++) {
			r[at+m+t] = r[at+k+t];
			a_barrier();
			*moved = t + 1;
		}
	}
	for (t = 0; t < m; t++) r[at+t] = rec[t];
	a_barrier();
	h->region_count = n - k + m;
	a_store((volatile int *)&h->splice_state, ZQ_SPLICE_NONE);
}

static void trim_front(struct zq_region *r, uint64_t start)
{
	r->offset += start - r->start;
	r->start = start;
}

long __zq_region_cut(uint64_t start, uint64_t end)
{
	struct zq_region *r = table(), add[2];
	size_t n = __zq_ctx->region_count;
	size_t i = __zq_region_find(start), j, m = 0;

	for (j = i; j < n && r[j].start < end; j++);
	if (j == i) return 0;
	if (r[i].start < start) {
		add[m] = r[i];
		add[m++].end = start;
	}
	if (r[j-1].end > end) {
		add[m] = r[j-1];
		trim_front(&add[m++], end);
	}
	if (m > j - i) {
		long e = __zq_region_room(1);
		if (e) return e;
	}
	splice(i, j - i, add, m);
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
	struct zq_region *r = table(), y = *x;
	size_t n = __zq_ctx->region_count;
	size_t i = __zq_region_find(x->start), at = i, k = 0;

	if (i > 0 && mergeable(&r[i-1], x)) {
		y.start = r[i-1].start;
		y.offset = r[i-1].offset;
		at = i - 1;
		k = 1;
	}
	if (i < n && mergeable(x, &r[i])) {
		y.end = r[i].end;
		k++;
	}
	if (!k) {
		long e = __zq_region_room(1);
		if (e) return e;
	}
	splice(at, k, &y, 1);
	return 0;
}

/* Give [start, end) the protection prot in the table: each piece whose
 * protection changes is one splice, merged with its neighbours. */
long __zq_region_protect(uint64_t start, uint64_t end, uint32_t prot)
{
	uint64_t a = start;
	long e;

	while (a < end) {
		struct zq_region *r = table(), x, add[3];
		size_t n = __zq_ctx->region_count, i = __zq_region_find(a);
		size_t lo, hi, m = 0;

		if (i == n || r[i].start >= end) break;
		x = r[i];
		if (x.start < a) trim_front(&x, a);
		if (x.end > end) x.end = end;
		a = x.end;
		if (x.prot == prot) continue;
		if ((e = __zq_region_room(2))) return e;
		x.prot = prot;
		lo = i;
		hi = i + 1;
		if (x.start > r[i].start) {
			add[m] = r[i];
			add[m++].end = x.start;
		} else if (i > 0 && mergeable(&r[i-1], &x)) {
			x.start = r[i-1].start;
			x.offset = r[i-1].offset;
			lo = i - 1;
		}
		if (x.end < r[i].end) {
			add[m+1] = r[i];
			trim_front(&add[m+1], x.end);
		} else if (i + 1 < n && mergeable(&x, &r[i+1])) {
			x.end = r[i+1].end;
			hi = i + 2;
		}
		add[m++] = x;
		if (a < r[i].end) m++;
		splice(lo, hi - lo, add, m);
	}
	return 0;
}
