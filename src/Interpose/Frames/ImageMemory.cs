using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Image;

namespace Zhuque.Interpose.Frames;

/// <summary>
/// The saved address space of an image, read from the files behind it: an
/// address is found in the region table, and its bytes are read (pread) from
/// the region's backing file at region.offset + (address - region.start).
/// Nothing is mapped. The caller says how to open a backing file (the
/// launcher does so through the verified image directory); each is opened
/// once, on first use, and closed with this object. A file it cannot give
/// (null: the program, memory released after an exit) makes a read of that
/// region fail with a reason.
/// </summary>
public sealed class ImageMemory(IReadOnlyList<ZqRegion> regions, Func<ZqFile, SafeFileHandle?> open) : IDisposable
{
    readonly Dictionary<ZqFile, SafeFileHandle?> _files = [];

    /// <summary>Fills buffer with the saved bytes at address; the range may span adjacent regions.</summary>
    /// <exception cref="ImageMemoryException">a byte is in no region, or its file is missing or too short</exception>
    public void Read(ulong address, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var region = Find(address)
                ?? throw new ImageMemoryException($"0x{address:x} is in no saved region");
            var inRegion = (int)Math.Min((ulong)buffer.Length, region.End - address);
            ReadFile(region, address, buffer[..inRegion]);
            buffer = buffer[inRegion..];
            address += (ulong)inRegion;
        }
    }

    public T Read<T>(ulong address) where T : unmanaged
    {
        T value = default;
        Read(address, MemoryMarshal.AsBytes(new Span<T>(ref value)));
        return value;
    }

    /// <summary>The region holding address: the table is sorted by start and its ranges do not overlap.</summary>
    ZqRegion? Find(ulong address)
    {
        int low = 0, high = regions.Count - 1;
        while (low <= high)
        {
            var mid = low + ((high - low) / 2);
            var r = regions[mid];
            if (address < r.Start)
                high = mid - 1;
            else if (address >= r.End)
                low = mid + 1;
            else
                return r;
        }
        return null;
    }

    void ReadFile(ZqRegion region, ulong address, Span<byte> buffer)
    {
        var file = (ZqFile)region.File;
        var name = BackingFiles.RelativePath(file) ?? "the program file";
        if (!_files.TryGetValue(file, out var handle))
            _files[file] = handle = open(file);
        if (handle is null)
            throw new ImageMemoryException($"0x{address:x} is in {name}, which the image does not hold");
        var offset = region.Offset + (address - region.Start);
        if (offset > long.MaxValue - (ulong)buffer.Length)
            throw new ImageMemoryException($"0x{address:x} is at offset 0x{offset:x} of {name}, past any file");
        var position = (long)offset;
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(handle, buffer, position);
            if (n == 0)
                throw new ImageMemoryException(
                    $"{name} ends at {RandomAccess.GetLength(handle)} bytes, before 0x{address:x} (offset {offset})");
            buffer = buffer[n..];
            position += n;
        }
    }

    public void Dispose()
    {
        foreach (var handle in _files.Values)
            handle?.Dispose();
        _files.Clear();
    }
}
