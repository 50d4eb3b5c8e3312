using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Image;

/// <summary>
/// Reads the header, region table, thread table, descriptor table and
/// saved working directory of IMAGE/context with pread (RandomAccess), or
/// of a copy held in a seekable stream: the file is a sparse 1 GiB and is
/// never mapped, so a damaged or hostile context costs at most the bytes
/// its tables claim. Everything is checked before it is believed; what
/// cannot be is refused with ContextCorruptException and one line saying
/// why. A saved image is checked as the shim will use it (tables where
/// image.h puts them, RegionTable, DescriptorTable); its descriptors are
/// read, and its checksum computed, only then: the descriptor table of
/// another state is stale or being written, and its sum means nothing.
/// </summary>
public static class ContextReader
{
    const int MaxPath = 4096; // PATH_MAX: the runtime saves getcwd's answer

    /// <exception cref="ContextCorruptException">the file is not a context this zhuque can trust</exception>
    public static Context Read(SafeFileHandle handle) => Read(ContextSource.Of(handle));

    /// <summary>A context held in a readable, seekable stream (an in-memory copy, say), read exactly as from its file.</summary>
    /// <exception cref="ContextCorruptException">the bytes are not a context this zhuque can trust</exception>
    public static Context Read(Stream context) => Read(ContextSource.Of(context));

    static Context Read(ContextSource source)
    {
        var length = source.Length;
        var header = ReadHeader(source, length);
        var saved = header.State == (uint)ZqState.Saved;
        var regions = RegionTable.Read(source, header, saved);
        var maps = ReadTable<ZqMapFile>(source, header.MapOff, header.MapCount);
        var threads = ReadTable<ZqThread>(source, header.ThreadOff, header.ThreadCount);
        var fds = saved ? ReadTable<ZqFd>(source, header.FdOff, header.FdCount) : [];
        var descriptors = saved ? DescriptorTable.Read(source, header, fds) : [];
        // getcwd's length counts the terminating NUL.
        var cwd = header.CwdLen == 0 ? null
            : Encoding.UTF8.GetString(ReadTable<byte>(source, header.SaveOff + header.CwdOff, header.CwdLen)).TrimEnd('\0');
        return new Context(header, regions, threads, cwd, length)
        {
            Descriptors = descriptors,
            MappedFiles = [.. maps.Select(MappedFile.From)],
            ChecksumMatches = saved && ContextChecksum.Compute(source, header, regions, threads, fds, maps) == header.Checksum,
        };
    }

    /// <exception cref="ContextCorruptException">the header is not one this zhuque can trust</exception>
    public static ZqHeader ReadHeader(SafeFileHandle handle, long length) => ReadHeader(ContextSource.Of(handle), length);

    static ZqHeader ReadHeader(ContextSource source, long length)
    {
        var size = Unsafe.SizeOf<ZqHeader>();
        if (length < size)
            throw new ContextCorruptException($"context is truncated ({length} bytes, the header alone is {size})");
        var header = source.ReadStruct<ZqHeader>(0);
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
        CheckTable("mapped-file", header.MapOff, header.MapCount, Layout.MapsCap, Unsafe.SizeOf<ZqMapFile>(), size, length);
        if (header.State == (uint)ZqState.Saved)
            CheckSaved(header, length);
        if (header.CwdLen > 0)
        {
            var start = header.SaveOff + header.CwdOff;
            if (header.CwdLen > MaxPath)
                throw new ContextCorruptException($"context has a working directory of {header.CwdLen} bytes");
            if (start < header.SaveOff || start < (ulong)size || start > (ulong)length || header.CwdLen > (ulong)length - start)
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
        var end = offset + ((ulong)count * (ulong)entrySize);
        if (end < offset || end > (ulong)length)
            throw new ContextCorruptException($"context is truncated: its {name} table ends at {end}, the file at {length}");
    }

    /// <summary>
    /// A saved image as the runtime leaves it and the shim expects it: each
    /// table at its image.h offset with its image.h capacity, the save area
    /// inside the file and the working directory inside the save area.
    /// </summary>
    static void CheckSaved(ZqHeader h, long length)
    {
        if (h.RegionOff != Layout.RegionsOff || h.RegionCap != Layout.RegionsCap
            || h.ThreadOff != Layout.ThreadsOff || h.ThreadCap != Layout.ThreadsCap
            || h.FdOff != Layout.FdsOff || h.FdCap != Layout.FdsCap || h.SaveOff != Layout.SaveOff
            || h.MapOff != Layout.MapsOff || h.MapCap != Layout.MapsCap)
            throw new ContextCorruptException("context of a saved image has a table away from where image.h puts it");
        if (h.SaveLen > Layout.SaveSize || h.SaveOff + h.SaveLen > (ulong)length)
            throw new ContextCorruptException($"context is truncated: its save area ends at {h.SaveOff + h.SaveLen}, the file at {length}");
        if (h.CwdLen > 0 && (h.CwdOff > h.SaveLen || h.CwdLen > h.SaveLen - h.CwdOff))
            throw new ContextCorruptException($"context names a working directory at 0x{h.CwdOff:x} of the save area, past the {h.SaveLen} bytes saved");
    }

    /// <summary>A table ReadHeader has checked against the file's length.</summary>
    static T[] ReadTable<T>(ContextSource source, ulong offset, uint count) where T : unmanaged
    {
        var table = new T[count];
        if (count > 0)
            source.ReadExactly(MemoryMarshal.AsBytes(table.AsSpan()), (long)offset);
        return table;
    }
}
