namespace Zhuque.Interpose.Image;

/// <summary>
/// The descriptor table of a saved context and the bytes each entry names
/// in the save area, checked the way the shim will use them: a known kind,
/// a number above 2 that no other entry has, data inside save_len and
/// shaped as its kind's (DescriptorData), the partners a pipe or a dup
/// names present. Every data range is disjoint from the others and from
/// the saved working directory, as the runtime appends each in turn, so
/// reading them all costs at most save_len bytes.
/// </summary>
static class DescriptorTable
{
    /// <summary>
    /// What the runtime saves for one descriptor passes through its 3 MiB
    /// scratch area, except the unread bytes of a pipe or a Unix socket,
    /// saved in pieces of that size end to end: those are bounded by the
    /// save area alone (checked below).
    /// </summary>
    const ulong MaxDataLength = Layout.ScratchSize;

    public static SavedDescriptor[] Read(ContextSource source, ZqHeader header, ZqFd[] entries)
    {
        var numbers = new HashSet<int>();
        var ranges = new List<(ulong Offset, ulong Length, string What)>();
        if (header.CwdLen > 0)
            ranges.Add((header.CwdOff, header.CwdLen, "the working directory"));
        foreach (var e in entries)
        {
            Check(header, e);
            if (!numbers.Add(e.Fd))
                throw new ContextCorruptException($"context saves descriptor {e.Fd} twice");
            if (e.DataLen > 0)
                ranges.Add((e.DataOff, e.DataLen, $"descriptor {e.Fd}"));
        }
        CheckDisjoint(ranges);
        var saved = new SavedDescriptor[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var data = new byte[entries[i].DataLen];
            source.ReadExactly(data, (long)(header.SaveOff + entries[i].DataOff));
            saved[i] = new SavedDescriptor(entries[i], data);
            CheckShape(saved[i]);
        }
        CheckPartners(saved);
        return saved;
    }

    static void Check(ZqHeader header, ZqFd e)
    {
        var kind = (ZqFdKind)e.Kind;
        if (kind < ZqFdKind.File || kind > ZqFdKind.Other)
            throw new ContextCorruptException($"context descriptor {e.Fd} has unknown kind {e.Kind}");
        if (e.Fd < 3)
            throw new ContextCorruptException($"context saves descriptor {e.Fd}, one of the launcher's own (0-2)");
        if (e.DataLen == 0)
            return;
        var limit = kind switch
        {
            ZqFdKind.File => (ulong)DescriptorData.MaxPathLength,
            ZqFdKind.Other => (ulong)DescriptorData.MaxPathLength + 1,
            ZqFdKind.Pipe or ZqFdKind.Socket => Layout.SaveSize,
            _ => MaxDataLength,
        };
        if (e.DataLen > limit)
            throw new ContextCorruptException($"context descriptor {e.Fd} names {e.DataLen} bytes of data, more than a {Name(kind)} keeps ({limit})");
        if (e.DataOff > header.SaveLen || e.DataLen > header.SaveLen - e.DataOff)
            throw new ContextCorruptException(
                $"context descriptor {e.Fd} names data at 0x{e.DataOff:x} ({e.DataLen} bytes), past the {header.SaveLen} bytes saved");
    }

    static void CheckDisjoint(List<(ulong Offset, ulong Length, string What)> ranges)
    {
        ranges.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (var i = 1; i < ranges.Count; i++)
        {
            var (offset, length, what) = ranges[i - 1];
            if (offset + length > ranges[i].Offset)
                throw new ContextCorruptException($"context data of {what} and of {ranges[i].What} overlap in the save area");
        }
    }

    static void CheckShape(SavedDescriptor d)
    {
        try
        {
            if (d.Kind == ZqFdKind.Epoll)
                DescriptorData.EpollItems(d.Data);
            else if (d.Kind == ZqFdKind.Listen)
                DescriptorData.Listener(d.Data);
        }
        catch (ContextCorruptException e)
        {
            throw new ContextCorruptException($"context descriptor {d.Fd} ({Name(d.Kind)}): {e.Message}");
        }
    }

    /// <summary>A dup shares a saved descriptor's file; a pipe end's or a socket's partner, when in this process, is a saved one of its kind.</summary>
    static void CheckPartners(SavedDescriptor[] saved)
    {
        var kinds = saved.ToDictionary(d => d.Fd, d => d.Kind);
        foreach (var d in saved)
        {
            if (d.Kind == ZqFdKind.Dup && (!kinds.TryGetValue(d.Entry.SameAs, out var shared) || shared == ZqFdKind.Dup))
                throw new ContextCorruptException($"context descriptor {d.Fd} shares the file of {d.Entry.SameAs}, which is not saved");
            if (d.Kind == ZqFdKind.Pipe && d.Entry.Peer != -1 && (!kinds.TryGetValue(d.Entry.Peer, out var peer) || peer != ZqFdKind.Pipe))
                throw new ContextCorruptException($"context pipe {d.Fd} names {d.Entry.Peer} as its other end, which is not a saved pipe");
            if (d.Kind == ZqFdKind.Socket && d.Entry.Peer != -1 && (!kinds.TryGetValue(d.Entry.Peer, out var other) || other != ZqFdKind.Socket))
                throw new ContextCorruptException($"context socket {d.Fd} names {d.Entry.Peer} as its other end, which is not a saved socket");
        }
    }

    public static string Name(ZqFdKind kind) => kind.ToString().ToLowerInvariant();
}
