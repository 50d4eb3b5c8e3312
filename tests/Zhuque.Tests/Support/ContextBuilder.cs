using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Support;

/// <summary>
/// Writes an IMAGE/context as the native side would, with the C# mirror
/// structs: header at 0, regions at ZQ_REGIONS_OFF, sparse to 1 GiB.
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

    public static void Write(string path, ZqHeader header, IReadOnlyList<ZqRegion> regions, long length = (long)Layout.ContextSize)
    {
        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite);
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<ZqHeader>(in header)), 0);
        var table = regions.ToArray();
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(table.AsSpan()), (long)header.RegionOff);
        RandomAccess.SetLength(handle, length);
    }

    /// <summary>A typical context: program text, data and stack regions.</summary>
    public static void WriteTypical(string path, ZqState state, int pid = 0)
    {
        ZqRegion[] regions =
        [
            Region(0x400000, 0x401000, ZqFile.Program, 5),
            Region(0x401000, 0x405000, ZqFile.Data, 3),
            Region(Layout.StackTop - 0x10000, Layout.StackTop, ZqFile.Stack, 3, 0x10000),
        ];
        Write(path, Header(state, pid, regions), regions);
    }
}
