using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Image;

/// <summary>
/// Reads the header, region table, thread table and saved working
/// directory of IMAGE/context with pread (RandomAccess): the file is a
/// sparse 1 GiB and is never mapped, so a damaged or hostile context costs
/// at most the bytes its tables claim.
/// Everything is checked against the file's length before it is believed.
/// </summary>
public static class ContextReader
{
    const int MaxPath = 4096; // PATH_MAX: the runtime saves getcwd's answer

    public static Context Read(SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        var header = ReadHeader(handle, length);
        var regions = ReadRegions(handle, header);
        var threads = ReadTable<ZqThread>(handle, header.ThreadOff, header.ThreadCount);
        // getcwd's length counts the terminating NUL.
        var cwd = header.CwdLen == 0 ? null
            : Encoding.UTF8.GetString(ReadTable<byte>(handle, header.SaveOff + header.CwdOff, header.CwdLen)).TrimEnd('\0');
        return new Context(header, regions, threads, cwd, length) { ChecksumMatches = ContextChecksum.Matches(handle, header) };
    }

    public static ZqHeader ReadHeader(SafeFileHandle handle, long length)
    {
        var size = Unsafe.SizeOf<ZqHeader>();
        if (length < size)
            throw new ContextCorruptException($"context is truncated ({length} bytes, the header alone is {size})");
        var header = ReadStruct<ZqHeader>(handle, 0);
        if (header.Magic != Layout.Magic)
            throw new ContextCorruptException($"context has bad magic 0x{header.Magic:x16}");
        if (header.AbiVersion != Layout.AbiVersion)
            throw new ContextCorruptException($"context has ABI version {header.AbiVersion}, this zhuque reads {Layout.AbiVersion}");
        if (header.HeaderSize != size)
            throw new ContextCorruptException($"context header size is {header.HeaderSize}, expected {size}");
        if (header.State > (uint)ZqState.Faulted)
            throw new ContextCorruptException($"context has unknown state {header.State}");
        CheckTable("region", header.RegionOff, header.RegionCount, header.RegionCap, Unsafe.SizeOf<ZqRegion>(), size, length);
        CheckTable("thread", header.ThreadOff, header.ThreadCount, header.ThreadCap, Unsafe.SizeOf<ZqThread>(), size, length);
        CheckTable("descriptor", header.FdOff, header.FdCount, header.FdCap, Unsafe.SizeOf<ZqFd>(), size, length);
        if (header.CwdLen > 0)
        {
            var start = header.SaveOff + header.CwdOff;
            if (header.CwdLen > MaxPath)
                throw new ContextCorruptException($"context has a working directory of {header.CwdLen} bytes");
            if (start < header.SaveOff || start < (ulong)size || start + header.CwdLen > (ulong)length)
                throw new ContextCorruptException($"context names a working directory at 0x{start:x} ({header.CwdLen} bytes), outside the file ({length} bytes)");
        }
        return header;
    }

    static void CheckTable(string name, ulong offset, uint count, uint capacity, int entrySize, int headerSize, long length)
    {
        if (count > capacity)
            throw new ContextCorruptException($"context {name} table holds {count} entries, more than its capacity {capacity}");
        if (count == 0)
            return;
        if (offset < (ulong)headerSize)
            throw new ContextCorruptException($"context {name} table at 0x{offset:x} overlaps the header");
        // count is a uint and entrySize small, so the product cannot overflow a ulong.
        var end = offset + (ulong)count * (ulong)entrySize;
        if (end < offset || end > (ulong)length)
            throw new ContextCorruptException($"context is truncated: its {name} table ends at {end}, the file at {length}");
    }

    static ZqRegion[] ReadRegions(SafeFileHandle handle, ZqHeader header)
    {
        var regions = ReadTable<ZqRegion>(handle, header.RegionOff, header.RegionCount);
        foreach (var r in regions)
        {
            if (r.End < r.Start || r.File >= (uint)ZqFile.Count)
                throw new ContextCorruptException($"context region 0x{r.Start:x}-0x{r.End:x} (file {r.File}) is invalid");
        }
        return regions;
    }

    /// <summary>A table ReadHeader has checked against the file's length.</summary>
    static T[] ReadTable<T>(SafeFileHandle handle, ulong offset, uint count) where T : unmanaged
    {
        var table = new T[count];
        if (count > 0)
            ReadExactly(handle, MemoryMarshal.AsBytes(table.AsSpan()), (long)offset);
        return table;
    }

    static T ReadStruct<T>(SafeFileHandle handle, long offset) where T : unmanaged
    {
        T value = default;
        ReadExactly(handle, MemoryMarshal.AsBytes(new Span<T>(ref value)), offset);
        return value;
    }

    static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0)
                throw new ContextCorruptException($"context is truncated at offset {offset}");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
