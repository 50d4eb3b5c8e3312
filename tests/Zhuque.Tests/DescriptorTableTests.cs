using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// The descriptor table of a saved context as ContextReader reads and
/// checks it, and the stricter region checks of a saved image: each case
/// one entry made wrong the way a damaged file could, refused with one line
/// that names it; other states are read as before.
/// </summary>
public sealed class DescriptorTableTests : IDisposable
{
    readonly TempDir _tmp = new();

    /// <summary>A save area as the runtime lays one out: the cwd, a path, pipe bytes, a listener, epoll items, each at 8-byte steps.</summary>
    static readonly byte[] Save = BuildSave();

    const ulong PathOff = 8, PipeOff = 24, ListenOff = 32, EpollOff = 56;

    static byte[] BuildSave()
    {
        var save = new byte[72];
        "/srv\0"u8.CopyTo(save);
        "/tmp/a.txt"u8.CopyTo(save.AsSpan((int)PathOff));
        "abc"u8.CopyTo(save.AsSpan((int)PipeOff));
        // LISTEN: uint32 length 16, a sockaddr_in for 127.0.0.1:8080, no options.
        BitConverter.GetBytes(16u).CopyTo(save, (int)ListenOff);
        byte[] sin = [2, 0, 0x1f, 0x90, 127, 0, 0, 1];
        sin.CopyTo(save, (int)ListenOff + 8);
        MemoryMarshal.Write(save.AsSpan((int)EpollOff), new ZqEpollItem { Fd = 6, Events = 1, Data = 0x66 });
        return save;
    }

    static ZqFd[] Good =>
    [
        ContextBuilder.Fd(3, ZqFdKind.File, dataOff: PathOff, dataLen: 10),
        ContextBuilder.Fd(4, ZqFdKind.Pipe, flags: 0, dataOff: PipeOff, dataLen: 3, peer: 5),
        ContextBuilder.Fd(5, ZqFdKind.Pipe, flags: 1, peer: 4),
        ContextBuilder.Fd(6, ZqFdKind.Listen, dataOff: ListenOff, dataLen: 24, args: [2, 1, 6, 128]),
        ContextBuilder.Fd(7, ZqFdKind.Epoll, dataOff: EpollOff, dataLen: 16),
        ContextBuilder.Fd(8, ZqFdKind.Dup, sameAs: 3),
    ];

    Context Read(ZqFd[] fds, ZqState state = ZqState.Saved, byte[]? save = null, Func<ZqHeader, ZqHeader>? change = null,
        ZqRegion[]? regions = null)
    {
        regions ??= ContextBuilder.TypicalRegions;
        var header = ContextBuilder.Header(state, 1, regions) with { CwdOff = 0, CwdLen = 5 };
        header = change?.Invoke(header) ?? header;
        ContextBuilder.Write(_tmp["context"], header, regions, fds: fds, save: save ?? Save,
            threads: [ContextBuilder.Thread(1, Layout.StackTop - 0x800)]);
        using var h = File.OpenHandle(_tmp["context"]);
        return ContextReader.Read(h);
    }

    string Refused(ZqFd[] fds, byte[]? save = null, Func<ZqHeader, ZqHeader>? change = null, ZqRegion[]? regions = null) =>
        Assert.Throws<ContextCorruptException>(() => Read(fds, save: save, change: change, regions: regions)).Message;

    static ZqFd[] With(int index, ZqFd entry)
    {
        var fds = Good;
        fds[index] = entry;
        return fds;
    }

    [Fact]
    public void ReadsEveryEntryWithTheBytesItNames()
    {
        var c = Read(Good);
        Assert.True(c.ChecksumMatches);
        Assert.Equal([3, 4, 5, 6, 7, 8], c.Descriptors.Select(d => d.Fd));
        Assert.Equal("/tmp/a.txt", DescriptorData.Path(c.Descriptors[0].Data));
        Assert.Equal("abc"u8.ToArray(), c.Descriptors[1].Data);
        Assert.Empty(c.Descriptors[2].Data);
        Assert.Equal([2, 0, 0x1f, 0x90, 127, 0, 0, 1], DescriptorData.Listener(c.Descriptors[3].Data).Address[..8]);
        Assert.Equal(0x66UL, Assert.Single(DescriptorData.EpollItems(c.Descriptors[4].Data)).Data);
        Assert.Equal("/srv", c.SavedCwd);
    }

    [Fact]
    public void AnotherStateKeepsNoDescriptorsAndDoesNotCheckThem()
    {
        // After a resume the table is the last failure's, and a failure being saved rewrites it.
        var c = Read(With(0, ContextBuilder.Fd(1, (ZqFdKind)77)), ZqState.Running);
        Assert.Empty(c.Descriptors);
    }

    [Fact]
    public void RefusesAnEntryTheShimWouldMisread()
    {
        var cases = new (ZqFd[] Fds, string Reason)[]
        {
            (With(0, ContextBuilder.Fd(3, (ZqFdKind)0)), "descriptor 3 has unknown kind 0"),
            (With(0, ContextBuilder.Fd(3, (ZqFdKind)11)), "unknown kind 11"),
            (With(0, ContextBuilder.Fd(2, ZqFdKind.File)), "saves descriptor 2, one of the launcher's own"),
            (With(2, ContextBuilder.Fd(4, ZqFdKind.EventFd)), "saves descriptor 4 twice"),
            (With(0, ContextBuilder.Fd(3, ZqFdKind.File, dataOff: 70, dataLen: 10)), "past the 72 bytes saved"),
            (With(0, ContextBuilder.Fd(3, ZqFdKind.File, dataOff: ulong.MaxValue, dataLen: 10)), "past the 72 bytes saved"),
            (With(0, ContextBuilder.Fd(3, ZqFdKind.File, dataOff: 0, dataLen: 10)), "working directory and of descriptor 3 overlap"),
            (With(0, ContextBuilder.Fd(3, ZqFdKind.File, dataOff: PipeOff, dataLen: 2)), "overlap"),
            (With(0, ContextBuilder.Fd(3, ZqFdKind.File, dataOff: 0, dataLen: 5000)), "more than a file keeps (4095)"),
            (With(4, ContextBuilder.Fd(7, ZqFdKind.Epoll, dataOff: EpollOff, dataLen: 12)), "not a whole number of epoll registrations"),
            (With(3, ContextBuilder.Fd(6, ZqFdKind.Listen, dataOff: ListenOff, dataLen: 4)), "too short for its address"),
            (With(3, ContextBuilder.Fd(6, ZqFdKind.Listen, dataOff: ListenOff, dataLen: 20)), "does not hold its 16-byte address"),
            (With(5, ContextBuilder.Fd(8, ZqFdKind.Dup, sameAs: 42)), "shares the file of 42, which is not saved"),
            (With(2, ContextBuilder.Fd(5, ZqFdKind.Pipe, flags: 1, peer: 3)), "names 3 as its other end, which is not a saved pipe"),
            (With(5, ContextBuilder.Fd(8, ZqFdKind.Socket, peer: 3)), "socket 8 names 3 as its other end, which is not a saved socket"),
        };
        foreach (var (fds, reason) in cases)
            Assert.Contains(reason, Refused(fds));
    }

    [Fact]
    public void RefusesAListenerAddressLongerThanASockaddr()
    {
        var save = (byte[])Save.Clone();
        BitConverter.GetBytes(200u).CopyTo(save, (int)ListenOff);
        Assert.Contains("address is 200 bytes", Refused(Good, save));
    }

    [Fact]
    public void RefusesASavedImageWhoseTablesAreAwayFromImageH()
    {
        Assert.Contains("away from where image.h puts it", Refused(Good, change: h => h with { FdOff = Layout.FdsOff + 96 }));
        Assert.Contains("away from where image.h puts it", Refused(Good, change: h => h with { ThreadCap = 5 }));
        Assert.Contains("working directory", Refused(Good, change: h => h with { CwdOff = 70 }));
    }

    [Fact]
    public void RefusesASavedRegionTableTheShimCouldNotMapBack()
    {
        ZqRegion R(ulong start, ulong end, ulong offset = 0) => ContextBuilder.Region(start, end, ZqFile.Data, 3, offset);
        var cases = new (ZqRegion[] Regions, string Reason)[]
        {
            ([R(0x402000, 0x403000), R(0x401000, 0x402000)], "out of order"),
            ([R(0x401000, 0x403000), R(0x402000, 0x404000)], "overlaps"),
            ([R(0x401000, 0x401000)], "is empty"),
            ([R(0x401000, 0x401800)], "not page aligned"),
            ([R(0x401000, 0x402000, 0x10)], "not page aligned (offset 0x10)"),
            ([R(0x0100_0000_0000_0000, 0x0100_0000_0000_1000)], "past the user address space"),
        };
        foreach (var (regions, reason) in cases)
            Assert.Contains(reason, Refused(Good, regions: regions));
    }

    [Fact]
    public void AnotherStateShowsAHalfUpdatedRegionTable()
    {
        // A program killed inside the runtime (lost) may leave one; inspect still shows it.
        ZqRegion[] regions = [ContextBuilder.Region(0x402000, 0x403000, ZqFile.Data, 3), ContextBuilder.Region(0x402000, 0x403000, ZqFile.Data, 3)];
        Assert.Equal(2, Read([], ZqState.Lost, regions: regions).Regions.Count);
    }

    [Fact]
    public void ReadsTheSameFromAStreamAsFromTheFile()
    {
        var fromFile = Read(Good);
        var bytes = new byte[Layout.SaveOff + (ulong)Save.Length];
        using (var h = File.OpenHandle(_tmp["context"]))
            RandomAccess.Read(h, bytes, 0);
        using var stream = new MemoryStream(bytes, writable: false);
        var fromStream = ContextReader.Read(stream);
        Assert.Equal(fromFile.Header, fromStream.Header);
        Assert.Equal(fromFile.Regions, fromStream.Regions);
        Assert.Equal(fromFile.Threads, fromStream.Threads);
        Assert.Equal(fromFile.Descriptors.Select(d => (d.Entry, Convert.ToHexString(d.Data))), fromStream.Descriptors.Select(d => (d.Entry, Convert.ToHexString(d.Data))));
        Assert.True(fromStream.ChecksumMatches);
    }

    public void Dispose() => _tmp.Dispose();
}
