using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// image.h's zq_region_view, which the shim maps a resume from, reads a
/// region table half way through a splice as the table after it, at every
/// step of the move: an entry not yet counted moved comes from where it
/// was, one counted from where it went, the new entries from the record.
/// </summary>
public sealed class RegionViewTests
{
    // Entries A..F at 0x1000 * (i+1); the edit replaces [at, at+k) by m new
    // entries at 0x100000 + j; the table is moved `moved` entries along.
    static string Probe(int at, int k, int m, int moved) => $$"""
        #include <stdio.h>
        #include <stdlib.h>
        #include <zhuque/image.h>
        int main(void)
        {
            struct zq_header *h = calloc(1, ZQ_REGIONS_OFF + 16 * sizeof(struct zq_region));
            struct zq_region *r, *add;
            unsigned n = 6, at = {{at}}, k = {{k}}, m = {{m}}, moved = {{moved}}, tail = n - at - k, t, total;
            h->region_off = ZQ_REGIONS_OFF;
            h->region_cap = 16;
            r = ZQ_REGIONS(h);
            add = (struct zq_region *)h->splice_add;
            for (t = 0; t < n; t++) r[t] = (struct zq_region){ 0x1000 * (t + 1), 0x1000 * (t + 1) + 0x800, 0, 3, 4 };
            for (t = 0; t < m; t++) add[t] = (struct zq_region){ 0x100000 + t, 0x100000 + t + 1, 0, 3, 4 };
            h->region_count = n;
            h->splice_at = at; h->splice_removed = k; h->splice_added = m; h->splice_count = n;
            h->splice_state = ZQ_SPLICE_PENDING;
            for (t = 0; t < moved && t < tail; t++) {
                if (m > k) r[n - 1 - t + (m - k)] = r[n - 1 - t];
                else if (m < k) r[at + m + t] = r[at + k + t];
            }
            /* the next entry half copied: its destination torn */
            if (moved < tail && m != k) {
                unsigned src = m > k ? n - 1 - moved : at + k + moved;
                r[src + m - k].start = 0xdead000;
            }
            h->splice_moved = moved < tail ? moved : tail;
            printf("valid %d\n", zq_splice_valid(h));
            total = zq_region_total(h);
            printf("total %u\n", total);
            for (t = 0; t < total; t++) printf("r%u %llx\n", t, (unsigned long long)zq_region_view(h, t).start);
            return 0;
        }
        """;

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(1, 2, 0)]
    [InlineData(0, 3, 1)]
    [InlineData(2, 1, 3)]
    [InlineData(3, 1, 1)]
    public void EveryStepOfASpliceReadsAsTheTableAfterIt(int at, int k, int m)
    {
        var before = Enumerable.Range(0, 6).Select(t => (ulong)(0x1000 * (t + 1))).ToArray();
        ulong[] after = [.. before.Take(at), .. Enumerable.Range(0, m).Select(j => (ulong)(0x100000 + j)), .. before.Skip(at + k)];
        for (var moved = 0; moved <= 6 - at - k; moved++)
        {
            var got = CProbe.Run(Probe(at, k, m, moved), Repo.IncludeDir);
            Assert.Equal("1", got["valid"]);
            Assert.Equal(after.Length.ToString(), got["total"]);
            for (var t = 0; t < after.Length; t++)
                Assert.True(after[t].ToString("x") == got[$"r{t}"], $"at {at}, {k} out, {m} in, {moved} moved: entry {t} is {got[$"r{t}"]}, not {after[t]:x}");
        }
    }
}
