using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.Integrity;

/// <summary>
/// A real saved image, damaged one way per test, then resumed: refused
/// before anything is mapped, with one stderr line and its documented code
/// (122 corrupt, 120 a symbolic link in the image), and every byte of the
/// image as it was before the command. inspect shows the checksum and does
/// not refuse for it.
/// </summary>
public sealed class IntegrityTests(SpinHereProgram spin) : IClassFixture<SpinHereProgram>, IDisposable
{
    readonly SpinImage _image = new(spin);

    string Image => _image.Path;

    ProcResult Zhuque(params string[] args) => _image.Zhuque(args);

    void Save() => _image.Save();

    void Write(string file, long offset, byte[] bytes)
    {
        using var h = File.OpenHandle(Path.Combine(Image, file), FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.Write(h, bytes, offset);
    }

    void Flip(long offset)
    {
        var b = new byte[1];
        using (var h = File.OpenHandle(Path.Combine(Image, "context")))
            RandomAccess.Read(h, b, offset);
        Write("context", offset, [(byte)(b[0] ^ 0x10)]);
    }

    /// <summary>Both ways in: resume, and run of the same command (run-or-resume).</summary>
    string Refused(int code, string expected)
    {
        var before = ImageHash.Of(Image);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("resume", Image), code);
        Assert.Contains(expected, line);
        Assert.Equal(before, ImageHash.Of(Image));
        var run = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", Image, "--", spin.Path), code);
        Assert.Contains(expected, run);
        Assert.Equal(before, ImageHash.Of(Image));
        return line;
    }

    [Fact]
    public void AnIntactImageShowsChecksumOk()
    {
        Save();
        var r = Zhuque("inspect", Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("checksum:  ok\n", r.Stdout);
        Assert.Contains("\"checksum\": \"ok\"", Zhuque("inspect", "--json", Image).Stdout);
    }

    [Fact]
    public void ATruncatedContextIs122()
    {
        Save();
        using (var h = File.OpenHandle(Path.Combine(Image, "context"), FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.SetLength(h, (long)Layout.ThreadsOff + 4);
        Refused(122, "truncated");
    }

    [Fact]
    public void AFlippedHeaderByteFailsTheChecksumAndInspectSaysSo()
    {
        Save();
        Flip(Marshal.OffsetOf<ZqHeader>(nameof(ZqHeader.Entry)).ToInt64() + 1);
        Refused(122, "its context fails its checksum");
        var r = Zhuque("inspect", Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("checksum:  MISMATCH\n", r.Stdout);
        Assert.Contains("\"checksum\": \"MISMATCH\"", Zhuque("inspect", "--json", Image).Stdout);
    }

    [Fact]
    public void AFlippedThreadTableByteFailsTheChecksum()
    {
        Save();
        Flip((long)Layout.ThreadsOff + Marshal.OffsetOf<ZqThread>(nameof(ZqThread.Tid)).ToInt64());
        Refused(122, "its context fails its checksum");
    }

    [Fact]
    public void AFlippedRegionTableByteFailsTheChecksum()
    {
        Save();
        Flip((long)Layout.RegionsOff + Marshal.OffsetOf<ZqRegion>(nameof(ZqRegion.Offset)).ToInt64() + 2);
        Refused(122, "its context fails its checksum");
    }

    /// <summary>
    /// The save area holds the bytes the descriptors name (here the saved
    /// working directory): its last used byte, past every check of what it
    /// means, is still covered by the checksum.
    /// </summary>
    [Fact]
    public void AFlippedSaveAreaByteFailsTheChecksum()
    {
        Save();
        ZqHeader header;
        using (var h = File.OpenHandle(Path.Combine(Image, "context")))
            header = ContextReader.ReadHeader(h, RandomAccess.GetLength(h));
        Assert.True(header.SaveLen > 0, "the save area holds at least the working directory");
        Flip((long)(header.SaveOff + header.SaveLen - 1));
        Refused(122, "its context fails its checksum");
    }

    [Fact]
    public void AShrunkRegionFileIs122NamingIt()
    {
        Save();
        using (var h = File.OpenHandle(Path.Combine(Image, "regions", "stack"), FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.SetLength(h, 4096);
        Refused(122, "regions/stack holds 4096 bytes");
    }

    [Fact]
    public void ContextAsASymbolicLinkIs120()
    {
        Save();
        File.Move(Path.Combine(Image, "context"), _image["elsewhere-context"]);
        File.CreateSymbolicLink(Path.Combine(Image, "context"), _image["elsewhere-context"]);
        Refused(120, "context is a symbolic link");
    }

    [Fact]
    public void RegionsAsASymbolicLinkIs120()
    {
        Save();
        Directory.Move(Path.Combine(Image, "regions"), _image["elsewhere-regions"]);
        Directory.CreateSymbolicLink(Path.Combine(Image, "regions"), _image["elsewhere-regions"]);
        Refused(120, "regions is a symbolic link");
    }

    /// <summary>
    /// Saved frames hold every register component the saving CPU had on
    /// (XCR0); a CPU without one of them cannot return into them. The
    /// image says so (its checksum recomputed, so only the CPU check can
    /// refuse it), and stays saved.
    /// </summary>
    [Fact]
    public void AnImageSavedOnACpuWithMoreRegistersIsRefused()
    {
        Save();
        PlantInHeader((ref ZqHeader header) => header.Xcr0 |= 1UL << 62); // a component no CPU has yet
        AssertRefusedAndStillSaved("saved on a CPU with registers this one lacks");
    }

    /// <summary>
    /// With ASLR off another kernel can map a different vDSO at the same
    /// address: the image records a hash of the vDSO's bytes and the shim
    /// compares it. A planted hash (the checksum recomputed, so only the
    /// vDSO check can refuse it) is refused with one line, and the image
    /// stays saved.
    /// </summary>
    [Fact]
    public void AnImageSavedWithAnotherVdsoIsRefused()
    {
        Save();
        PlantInHeader((ref ZqHeader header) =>
        {
            Assert.NotEqual(0UL, header.VdsoHash);
            header.VdsoHash ^= 1; // another kernel's vDSO at the same address
        });
        AssertRefusedAndStillSaved("vDSO is not the one the program was saved with");
    }

    delegate void HeaderChange(ref ZqHeader header);

    /// <summary>Changes the saved header and recomputes its checksum, so that only the check under test can refuse it.</summary>
    void PlantInHeader(HeaderChange change)
    {
        using var h = File.OpenHandle(Path.Combine(Image, "context"), FileMode.Open, FileAccess.ReadWrite);
        var header = ContextReader.ReadHeader(h, RandomAccess.GetLength(h));
        change(ref header);
        header.Checksum = ContextChecksum.Compute(h, header);
        RandomAccess.Write(h, MemoryMarshal.AsBytes(new ReadOnlySpan<ZqHeader>(in header)), 0);
    }

    /// <summary>The shim refuses in one line (125) and the image is still saved, its checksum intact.</summary>
    void AssertRefusedAndStillSaved(string why)
    {
        var line = ZhuqueCli.AssertOneLineError(Zhuque("resume", Image), 125);
        Assert.Contains(why, line);
        var report = Zhuque("inspect", Image);
        Assert.Contains("state:     saved", report.Stdout);
        Assert.Contains("checksum:  ok", report.Stdout);
    }

    public void Dispose() => _image.Dispose();
}
