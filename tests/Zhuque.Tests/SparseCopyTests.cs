using Microsoft.Win32.SafeHandles;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Snapshot;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// SparseCopy.CopyPages, the snapshot's copy of ranges written or punched
/// during its passes, on real tmpfs files: the copy reads as the source
/// and has file space where the source has it. A held arena range reads
/// zero and keeps its space for the next mmap, which then takes none: in
/// a resumed snapshot a punched copy of it would make a full disk a
/// SIGBUS there instead of an ENOMEM at the mmap.
/// </summary>
public sealed class SparseCopyTests : IDisposable
{
    const int Page = 4096;
    readonly TempDir _tmp = new("/dev/shm");

    static byte[] Filled(byte b) => Enumerable.Repeat(b, Page).ToArray();

    static long Data(SafeFileHandle f, long at) => Libc.LSeek((int)f.DangerousGetHandle(), at, Libc.SEEK_DATA);

    [Fact]
    public void ZeroPagesWithTheirSpaceKeepItInTheCopyAndHolesStayHoles()
    {
        // The source: data, zero data (space taken), a hole, zero data, data.
        using var from = File.OpenHandle(_tmp["from"], FileMode.Create, FileAccess.ReadWrite);
        RandomAccess.Write(from, Filled(1), 0);
        RandomAccess.Write(from, new byte[Page], Page);
        RandomAccess.Write(from, new byte[Page], 3 * Page);
        RandomAccess.Write(from, Filled(2), 4 * Page);
        // The copy: old data everywhere.
        using var to = File.OpenHandle(_tmp["to"], FileMode.Create, FileAccess.ReadWrite);
        for (var i = 0; i < 5; i++)
            RandomAccess.Write(to, Filled(9), i * Page);

        SparseCopy.CopyPages(from, to, new byte[1 << 20], 0, 5 * Page);

        byte[] want = new byte[5 * Page], got = new byte[5 * Page];
        RandomAccess.Read(from, want, 0);
        RandomAccess.Read(to, got, 0);
        Assert.Equal(want, got);
        Assert.Equal(Page, Data(to, Page));         // zero, with its space
        Assert.Equal(3 * Page, Data(to, 2 * Page)); // the hole, punched
        Assert.Equal(3 * Page, Data(to, 3 * Page));
    }

    public void Dispose() => _tmp.Dispose();
}
