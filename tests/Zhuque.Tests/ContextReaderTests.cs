using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

public sealed class ContextReaderTests : IDisposable
{
    readonly TempDir _tmp = new();

    Context Read()
    {
        using var h = File.OpenHandle(_tmp["context"], FileMode.Open, FileAccess.Read);
        return ContextReader.Read(h);
    }

    [Fact]
    public void ReadsHeaderAndRegionsWrittenByTheMirror()
    {
        ContextBuilder.WriteTypical(_tmp["context"], ZqState.Saved, pid: 1234);
        var c = Read();
        Assert.Equal(ZqState.Saved, c.State);
        Assert.Equal(1234, c.Header.Pid);
        Assert.Equal(3, c.Regions.Count);
        Assert.Equal(ZqFile.Stack, (ZqFile)c.Regions[2].File);
        Assert.Equal(Layout.StackTop, c.Regions[2].End);
        Assert.Equal((long)Layout.ContextSize, c.FileLength);
    }

    static readonly ZqRegion[] Four =
    [
        ContextBuilder.Region(0x400000, 0x401000, ZqFile.Program, 5),
        ContextBuilder.Region(0x20000000_0000, 0x20000000_1000, ZqFile.Arena, 3),
        ContextBuilder.Region(0x20000000_3000, 0x20000000_4000, ZqFile.Arena, 3, 0x3000),
        ContextBuilder.Region(0x20000000_5000, 0x20000000_6000, ZqFile.Arena, 1, 0x5000),
    ];

    /// <summary>
    /// A thread stopped in the middle of an edit of the region table leaves it
    /// half moved; the reader gives the table after the edit, as the shim maps
    /// it (image.h, zq_region_view), and the checksum of the entries stored.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public unsafe void ARegionTableHalfWayThroughAnInsertionReadsAsAfterIt(int moved)
    {
        var x = ContextBuilder.Region(0x20000000_1000, 0x20000000_2000, ZqFile.Arena, 1, 0x1000);
        // X goes in before C: D then C are copied one up, from the far end.
        var raw = Four.Append(Four[3]).ToArray();
        for (var t = 0; t < moved; t++)
            raw[4 - t] = Four[3 - t];
        var header = ContextBuilder.Header(ZqState.Saved, 1, Four) with
        {
            SpliceState = (uint)ZqSpliceState.Pending, SpliceAt = 2, SpliceRemoved = 0, SpliceAdded = 1, SpliceCount = 4, SpliceMoved = (ulong)moved,
        };
        new ReadOnlySpan<ZqRegion>(in x).CopyTo(new Span<ZqRegion>(header.SpliceAdd, 3));
        ContextBuilder.Write(_tmp["context"], header, raw);
        var c = Read();
        Assert.Equal([Four[0], Four[1], x, Four[2], Four[3]], c.Regions);
        Assert.True(c.ChecksumMatches);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public unsafe void ARegionTableHalfWayThroughARemovalReadsAsAfterIt(int moved)
    {
        // B goes: C and D move down, from the near end.
        var raw = Four.ToArray();
        for (var t = 0; t < moved; t++)
            raw[1 + t] = Four[2 + t];
        var header = ContextBuilder.Header(ZqState.Saved, 1, Four) with
        {
            SpliceState = (uint)ZqSpliceState.Pending, SpliceAt = 1, SpliceRemoved = 1, SpliceAdded = 0, SpliceCount = 4, SpliceMoved = (ulong)moved,
        };
        ContextBuilder.Write(_tmp["context"], header, raw);
        Assert.Equal([Four[0], Four[2], Four[3]], Read().Regions);
    }

    [Fact]
    public void RefusesARegionTableEditThatCannotBe()
    {
        var header = ContextBuilder.Header(ZqState.Saved, 1, Four) with
        {
            SpliceState = (uint)ZqSpliceState.Pending, SpliceAt = 3, SpliceRemoved = 2, SpliceAdded = 0, SpliceCount = 4,
        };
        ContextBuilder.Write(_tmp["context"], header, Four);
        Assert.Contains("edit is invalid", Assert.Throws<ContextCorruptException>(Read).Message);
    }

    [Fact]
    public void SetStateWritesOnlyTheStateWord()
    {
        ContextBuilder.WriteTypical(_tmp["context"], ZqState.Running, pid: 5);
        var before = File.ReadAllBytes(_tmp["context"])[..8192];
        using (var h = File.OpenHandle(_tmp["context"], FileMode.Open, FileAccess.ReadWrite))
            ContextWriter.SetState(h, ZqState.Lost);
        var after = File.ReadAllBytes(_tmp["context"])[..8192];
        Assert.Equal(ZqState.Lost, Read().State);
        Assert.Equal(16, ContextWriter.StateOffset);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.All(changed, i => Assert.InRange(i, 16, 19));
    }

    [Theory]
    [InlineData(0, "truncated")]
    [InlineData(100, "truncated")]
    public void RefusesAShortFile(int length, string reason)
    {
        File.WriteAllBytes(_tmp["context"], new byte[length]);
        Assert.Contains(reason, Assert.Throws<ContextCorruptException>(Read).Message);
    }

    [Fact]
    public void RefusesBadHeaders()
    {
        ZqRegion[] regions = [ContextBuilder.Region(0x400000, 0x401000, ZqFile.Program, 5)];
        var good = ContextBuilder.Header(ZqState.Saved, 1, regions);
        var cases = new (ZqHeader Header, string Reason)[]
        {
            (good with { Magic = 0 }, "bad magic"),
            (good with { AbiVersion = Layout.AbiVersion + 1 }, $"ABI version {Layout.AbiVersion + 1}"),
            (good with { HeaderSize = 8 }, "header size"),
            (good with { State = 9 }, "unknown state"),
            (good with { RegionCount = Layout.RegionsCap + 1 }, "capacity"),
            (good with { RegionOff = 8 }, "overlaps"),
            (good with { RegionOff = Layout.ContextSize }, "truncated"),
        };
        foreach (var (header, reason) in cases)
        {
            // The table itself is left out: written at RegionOff it could overwrite the header.
            ContextBuilder.Write(_tmp["context"], header, []);
            var e = Record.Exception(Read);
            Assert.True(e is ContextCorruptException, $"expected \"{reason}\", got {e?.Message ?? "no error"}");
            Assert.Contains(reason, e!.Message);
        }
    }

    [Fact]
    public void RefusesARegionWithAnUnknownFile()
    {
        ZqRegion[] regions = [ContextBuilder.Region(0x400000, 0x401000, (ZqFile)9, 5)];
        ContextBuilder.Write(_tmp["context"], ContextBuilder.Header(ZqState.Saved, 1, regions), regions);
        Assert.Contains("invalid", Assert.Throws<ContextCorruptException>(Read).Message);
    }

    [Fact]
    public void ReadsTheThreadTableAndTheSavedWorkingDirectory()
    {
        ZqThread[] threads = [ContextBuilder.Thread(10, 0x1000, 30), ContextBuilder.Thread(11, 0x2000, 35)];
        var cwd = "/srv/wörk\0"u8.ToArray(); // getcwd's length counts the NUL
        var header = ContextBuilder.Header(ZqState.Saved, 10, ContextBuilder.TypicalRegions) with
        {
            CwdOff = 64,
            CwdLen = (uint)cwd.Length,
            SaveLen = 64 + (ulong)cwd.Length, // a saved working directory lies in the save area's used part
        };
        ContextBuilder.Write(_tmp["context"], header, ContextBuilder.TypicalRegions, threads: threads);
        using (var f = File.OpenHandle(_tmp["context"], FileMode.Open, FileAccess.Write))
            RandomAccess.Write(f, cwd, (long)(Layout.SaveOff + 64));
        var c = Read();
        Assert.Equal(threads, c.Threads);
        Assert.Equal("/srv/wörk", c.SavedCwd);
        Assert.Null(ReadWith(header with { CwdLen = 0 }).SavedCwd);
    }

    [Fact]
    public void RefusesAWorkingDirectoryOrDescriptorTablePastTheEnd()
    {
        var header = ContextBuilder.Header(ZqState.Saved, 1, ContextBuilder.TypicalRegions);
        Assert.Contains("working directory", Assert.Throws<ContextCorruptException>(() => ReadWith(header with { CwdLen = 5000 })).Message);
        Assert.Contains("working directory", Assert.Throws<ContextCorruptException>(() => ReadWith(header with { CwdOff = Layout.ContextSize, CwdLen = 8 })).Message);
        Assert.Contains("descriptor table", Assert.Throws<ContextCorruptException>(() => ReadWith(header with { FdCount = 10 }, length: 0x2400100)).Message);
    }

    /// <summary>Found by the fuzz test: save_off + cwd_off + cwd_len wrapped past 2^64, and the read at a negative offset was an internal error (125).</summary>
    [Fact]
    public void RefusesAWorkingDirectoryWhoseEndWrapsAround()
    {
        var header = ContextBuilder.Header(ZqState.Running, 1, ContextBuilder.TypicalRegions) with { SaveOff = ulong.MaxValue, CwdLen = 13 };
        Assert.Contains("working directory at 0xffffffffffffffff", Assert.Throws<ContextCorruptException>(() => ReadWith(header)).Message);
    }

    Context ReadWith(ZqHeader header, long length = (long)Layout.ContextSize)
    {
        ContextBuilder.Write(_tmp["context"], header, ContextBuilder.TypicalRegions, length);
        return Read();
    }

    public void Dispose() => _tmp.Dispose();
}
