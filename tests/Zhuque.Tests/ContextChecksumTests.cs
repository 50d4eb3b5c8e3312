using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>ContextChecksum against image.h's zq_checksum, compiled by gcc and run on the same context file.</summary>
public sealed class ContextChecksumTests : IDisposable
{
    readonly TempDir _tmp = new();

    /// <summary>Reads the header of the file, then the tables it names from that same file, as the shim would from its mapping.</summary>
    const string Probe = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/mman.h>
        #include <zhuque/image.h>
        int main(void)
        {
            int fd = open(PATH, O_RDONLY);
            void *base = mmap(0, ZQ_CONTEXT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
            if (fd < 0 || base == MAP_FAILED)
                return 2;
            printf("sum %llu\n", (unsigned long long)zq_checksum(ZQ_HEADER(base)));
            return 0;
        }
        """;

    ulong CSum(string path) => ulong.Parse(CProbe.Run($"#define PATH \"{path}\"\n{Probe}", Repo.IncludeDir)["sum"]);

    ulong CSharpSum(string path)
    {
        using var h = File.OpenHandle(path);
        var header = ContextReader.ReadHeader(h, RandomAccess.GetLength(h));
        return ContextChecksum.Compute(h, header);
    }

    [Fact]
    public void MatchesTheCHeaderOnAContextWithRegionsThreadsAndDescriptors()
    {
        var path = _tmp["context"];
        var threads = new[] { ContextBuilder.Thread(11, Layout.StackTop - 0x800), ContextBuilder.Thread(12, Layout.StackTop - 0x4800, 35, 0x2000_0000_1000) };
        var header = ContextBuilder.Header(ZqState.Saved, 77, ContextBuilder.TypicalRegions) with { Failures = 3, FdCount = 2, SavedNs = 12345 };
        ContextBuilder.Write(path, header, ContextBuilder.TypicalRegions, threads: threads);
        // Descriptor entries with some bytes in them.
        using (var h = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(h, Enumerable.Range(0, 2 * System.Runtime.CompilerServices.Unsafe.SizeOf<ZqFd>()).Select(i => (byte)(i * 7 + 1)).ToArray(), (long)Layout.FdsOff);

        var c = CSum(path);
        Assert.Equal(c, CSharpSum(path));
        Assert.NotEqual(0UL, c);
    }

    [Fact]
    public void ContextBuilderWritesTheChecksumZqChecksumExpects()
    {
        var path = _tmp["context"];
        ContextBuilder.WriteTypical(path, ZqState.Saved, 5, [ContextBuilder.Thread(5, Layout.StackTop - 0x800)]);
        using var h = File.OpenHandle(path);
        var header = ContextReader.ReadHeader(h, RandomAccess.GetLength(h));
        Assert.Equal(CSum(path), header.Checksum);
        Assert.True(ContextChecksum.Matches(h, header));
    }

    [Fact]
    public void AnyChangedByteOfTheTablesChangesIt()
    {
        var path = _tmp["context"];
        ContextBuilder.WriteTypical(path, ZqState.Saved, 5, [ContextBuilder.Thread(5, Layout.StackTop - 0x800)]);
        var before = CSharpSum(path);
        using (var h = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(h, new byte[] { 0x5a }, (long)Layout.ThreadsOff + 3);
        Assert.NotEqual(before, CSharpSum(path));
        Assert.Equal(CSum(path), CSharpSum(path));
    }

    /// <summary>
    /// What a resume writes before the program runs again (descriptor numbers,
    /// the barrier, each thread's mem_tid) must not change the checksum, so a
    /// resume cut short leaves a resumable image; C and C# agree on that.
    /// </summary>
    [Fact]
    public void TheWordsAResumeWritesDoNotCount()
    {
        var path = _tmp["context"];
        ContextBuilder.WriteTypical(path, ZqState.Saved, 5, [ContextBuilder.Thread(5, Layout.StackTop - 0x800), ContextBuilder.Thread(6, Layout.StackTop - 0x4800)]);
        var before = CSharpSum(path);
        using (var h = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
        {
            foreach (var field in new[] { nameof(ZqHeader.DirFd), nameof(ZqHeader.LockFd), nameof(ZqHeader.ArenaFd), nameof(ZqHeader.ResumeReady), nameof(ZqHeader.ResumeGo) })
                RandomAccess.Write(h, BitConverter.GetBytes(1009), System.Runtime.InteropServices.Marshal.OffsetOf<ZqHeader>(field).ToInt64());
            var memTid = System.Runtime.InteropServices.Marshal.OffsetOf<ZqThread>(nameof(ZqThread.MemTid)).ToInt64();
            RandomAccess.Write(h, BitConverter.GetBytes(4242), (long)Layout.ThreadsOff + memTid);
            RandomAccess.Write(h, BitConverter.GetBytes(4343), (long)Layout.ThreadsOff + System.Runtime.CompilerServices.Unsafe.SizeOf<ZqThread>() + memTid);
        }
        Assert.Equal(before, CSharpSum(path));
        Assert.Equal(before, CSum(path));
    }

    public void Dispose() => _tmp.Dispose();
}
