using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Support;

/// <summary>
/// Writes an IMAGE/context as the native side would, with the C# mirror
/// structs: header at 0, regions at ZQ_REGIONS_OFF, threads at
/// ZQ_THREADS_OFF, sparse to 1 GiB.
/// </summary>
public static class ContextBuilder
{
    public static ZqHeader Header(ZqState state, int pid = 0, params ZqRegion[] regions) => new()
    {
        Magic = Layout.Magic,
        AbiVersion = Layout.AbiVersion,
        HeaderSize = (uint)Marshal.SizeOf<ZqHeader>(),
        State = (uint)state,
        Pid = pid,
        RegionCount = (uint)regions.Length,
        RegionCap = Layout.RegionsCap,
        RegionOff = Layout.RegionsOff,
        ThreadCap = Layout.ThreadsCap,
        ThreadOff = Layout.ThreadsOff,
        FdCap = Layout.FdsCap,
        FdOff = Layout.FdsOff,
        SaveOff = Layout.SaveOff,
        MapCap = Layout.MapsCap,
        MapOff = Layout.MapsOff,
        StartedNs = 1_700_000_000_000_000_000UL,
    };

    public static ZqRegion Region(ulong start, ulong end, ZqFile file, uint prot, ulong offset = 0) => new()
    {
        Start = start,
        End = end,
        Offset = offset,
        Prot = prot,
        File = (uint)file,
    };

    /// <summary>A captured thread whose signal frame is at the given address.</summary>
    public static ZqThread Thread(int tid, ulong frame, uint signo = 30, ulong tp = 0x408000) => new()
    {
        Tp = tp,
        Frame = frame,
        Tid = tid,
        State = (uint)ZqThreadState.Captured,
        Signo = signo,
    };

    /// <summary>
    /// The context file: header, tables, and (fds, save) the descriptor table
    /// with the save area's used bytes, whose length becomes save_len.
    /// </summary>
    public static void Write(string path, ZqHeader header, IReadOnlyList<ZqRegion> regions, long length = (long)Layout.ContextSize,
        IReadOnlyList<ZqThread>? threads = null, IReadOnlyList<ZqFd>? fds = null, byte[]? save = null)
    {
        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite);
        if (threads is { Count: > 0 })
            header.ThreadCount = (uint)threads.Count;
        if (fds is { Count: > 0 })
        {
            header.FdCount = (uint)fds.Count;
            RandomAccess.Write(handle, MemoryMarshal.AsBytes(fds.ToArray().AsSpan()), (long)header.FdOff);
        }
        if (save is not null)
        {
            header.SaveLen = (ulong)save.Length;
            RandomAccess.Write(handle, save, (long)header.SaveOff);
        }
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<ZqHeader>(in header)), 0);
        var table = regions.ToArray();
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(table.AsSpan()), (long)header.RegionOff);
        if (threads is { Count: > 0 })
            RandomAccess.Write(handle, MemoryMarshal.AsBytes(threads.ToArray().AsSpan()), (long)header.ThreadOff);
        RandomAccess.SetLength(handle, length);
        // As the runtime does when it saves a failure: the checksum last
        // (not for a context a test made too short for its own tables).
        if (length >= Marshal.SizeOf<ZqHeader>())
        {
            try
            {
                var sum = ContextChecksum.Compute(handle, header);
                RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in sum)), ContextChecksum.ChecksumOffset);
            }
            catch (ContextCorruptException)
            {
            }
        }
    }

    /// <summary>A descriptor entry as the runtime saves one; data (DataOff, DataLen) and per-kind fields (args: union zq_fd_arg's words) are the caller's.</summary>
    public static unsafe ZqFd Fd(int fd, ZqFdKind kind, int flags = 2, ulong dataOff = 0, uint dataLen = 0,
        int peer = -1, int sameAs = -1, params ulong[] args)
    {
        var e = new ZqFd { Fd = fd, Kind = (uint)kind, Flags = flags, SameAs = sameAs, Peer = peer, DataOff = dataOff, DataLen = dataLen };
        for (var i = 0; i < args.Length; i++)
            e.Arg.Raw[i] = args[i];
        return e;
    }

    /// <summary>A typical context: program text, data and stack regions.</summary>
    public static void WriteTypical(string path, ZqState state, int pid = 0, IReadOnlyList<ZqThread>? threads = null)
    {
        Write(path, Header(state, pid, TypicalRegions), TypicalRegions, threads: threads);
    }

    /// <summary>Program text, data, and the top 64 KiB of the main stack (at offset 0x10000 of regions/stack).</summary>
    public static ZqRegion[] TypicalRegions =>
    [
        Region(0x400000, 0x401000, ZqFile.Program, 5),
        Region(0x401000, 0x405000, ZqFile.Data, 3),
        Region(Layout.StackTop - 0x10000, Layout.StackTop, ZqFile.Stack, 3, 0x10000),
    ];

    /// <summary>Creates each backing file the regions use under IMAGE/regions, sparse, as long as they reach (resume checks that).</summary>
    public static void CreateRegionFiles(string image, IEnumerable<ZqRegion> regions)
    {
        foreach (var r in regions)
        {
            if (BackingFiles.RelativePath((ZqFile)r.File) is not { } relative)
                continue;
            var file = Path.Combine(image, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using var handle = File.OpenHandle(file, FileMode.OpenOrCreate, FileAccess.ReadWrite);
            var end = (long)(r.Offset + (r.End - r.Start));
            if (RandomAccess.GetLength(handle) < end)
                RandomAccess.SetLength(handle, end);
        }
    }

    /// <summary>Stores a value at an address of a region, in its backing file under IMAGE/regions, as the program would have.</summary>
    public static void Store<T>(string image, ZqRegion region, ulong address, T value) where T : unmanaged
    {
        var file = Path.Combine(image, BackingFiles.RelativePath((ZqFile)region.File)!);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using var handle = File.OpenHandle(file, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)), (long)(region.Offset + (address - region.Start)));
    }
}
