using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Files a program maps read-only are not in its image: a resume maps them
/// again from their paths, and refuses (118, one line, the image untouched)
/// when one changed or is gone. And the arena file's length follows the
/// memory handed out, not its 8 TiB window.
/// </summary>
public sealed class MappedFileTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    string Image => _tmp["img"];

    string MappedFile()
    {
        var path = _tmp["data.bin"];
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 10000).Select(i => (byte)(i * 7))]);
        return path;
    }

    ProcResult Zhuque(params string[] args) => ZhuqueCli.Run(_tmp["state"], args);

    void RunUntilSaved(string file, int mib, string failAfter = "0.5", int churn = 0)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var r = Zhuque("run", "--image", Image, "--fail-after", failAfter, "--", programs.Zhuque("maps"), file,
            mib.ToString(c), churn.ToString(c));
        Assert.True(r.ExitCode == 158, r.ToString());
    }

    [Fact]
    public void AMappedFileComesBackAtResume()
    {
        RunUntilSaved(MappedFile(), 1);
        var r = Zhuque("resume", Image);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void InspectListsTheMappedFileAndItsRegion()
    {
        var file = MappedFile();
        RunUntilSaved(file, 1);
        var text = Zhuque("inspect", Image);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("mapped files: 1", text.Stdout);
        Assert.Matches($@"r--p {System.Text.RegularExpressions.Regex.Escape(file)} +12288 ", text.Stdout);
        var json = Zhuque("inspect", "--json", Image);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var mapped = Assert.Single(doc.RootElement.GetProperty("mappedFiles").EnumerateArray());
        Assert.Equal(file, mapped.GetProperty("path").GetString());
        Assert.False(mapped.GetProperty("shared").GetBoolean());
        Assert.Equal(10000, mapped.GetProperty("size").GetInt64());
        Assert.Equal(0, global::Zhuque.Launcher.Native.Libc.StatPath(file, out var st));
        Assert.Equal(st.Ino, mapped.GetProperty("inode").GetUInt64());
        Assert.False(mapped.GetProperty("writable").GetBoolean());
        var hash = global::Zhuque.Interpose.Image.ContentHash.OfFile(file);
        Assert.Equal($"0x{hash:x16}", mapped.GetProperty("contentHash").GetString());
        Assert.Contains(doc.RootElement.GetProperty("regions").EnumerateArray(), r => r.GetProperty("file").GetString() == file);
    }

    [Fact]
    public void AChangedMappedFileIsRefusedAndTheImageIsLeftAsItWas()
    {
        var file = MappedFile();
        RunUntilSaved(file, 1);
        // Same size, other bytes: only the modification time tells.
        var bytes = File.ReadAllBytes(file);
        bytes[0] ^= 0xff;
        File.WriteAllBytes(file, bytes);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var before = ImageHash.Of(Image);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("resume", Image), 118);
        Assert.Contains(file, line);
        Assert.Contains("changed", line);
        Assert.Equal(before, ImageHash.Of(Image));
    }

    // A file mapped shared and writable is told by device and inode alone
    // (the program changes its bytes, size and mtime): another file renamed
    // over it is refused (118, the image left as it was); the original put
    // back, the resume goes on, and the program sees its stores in it.
    [Fact]
    public void AFileMappedSharedAndWritableIsToldByItsInode()
    {
        var prog = _tmp["writable_map"];
        var b = Proc.Run(Path.Combine(Repo.Root, "build", "bin", "zhuque-cc"),
            ["-O2", "-o", prog, Path.Combine(Repo.Root, "tests", "c", "kinds", "writable_map.c")]);
        Assert.True(b.ExitCode == 0, b.ToString());
        var work = Directory.CreateDirectory(_tmp["work"]).FullName;
        var r = Zhuque("run", "--image", Image, "--fail-after", "0.5", "--", prog, work);
        Assert.True(r.ExitCode == 158, r.ToString());
        var file = Path.Combine(work, "kind-writable.bin");
        var orig = _tmp["kind-writable.orig"];
        File.Move(file, orig);
        File.Copy(orig, file);
        var before = ImageHash.Of(Image);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("resume", Image), 118);
        Assert.Contains(file, line);
        Assert.Equal(before, ImageHash.Of(Image));
        File.Move(orig, file, overwrite: true);
        r = Zhuque("resume", Image);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void AMappedFileThatIsGoneIsRefused()
    {
        var file = MappedFile();
        RunUntilSaved(file, 1);
        File.Delete(file);
        var before = ImageHash.Of(Image);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("resume", Image), 118);
        Assert.Contains(file, line);
        Assert.Equal(before, ImageHash.Of(Image));
    }

    /// <summary>
    /// The shim checks on its own too, for a file changed after the
    /// launcher looked: started directly, it refuses with 118 before it
    /// maps or writes anything.
    /// </summary>
    [Fact]
    public void TheShimRefusesAChangedFileItself()
    {
        var file = MappedFile();
        RunUntilSaved(file, 1);
        File.AppendAllText(file, "x");
        var before = ImageHash.Of(Image);
        var shim = Path.Combine(Repo.Root, "build", "bin", "zhuque-shim");
        var r = Proc.Run("bash", ["-c", "exec 3<\"$1\" 4<\"$1/lock\"; exec \"$2\" resume 3 4 \"$3\"", "-", Image, shim, programs.Zhuque("maps")]);
        Assert.True(r.ExitCode == 118, r.ToString());
        Assert.Contains($"a file the program mapped changed since the image was saved: {file}", r.Stderr);
        Assert.Equal(before, ImageHash.Of(Image));
    }

    // Rewritten in place with its size and mtime put back, after the
    // launcher looked: the shim's own content hash refuses it.
    [Fact]
    public void TheShimRefusesAFileWhoseBytesAloneChanged()
    {
        var file = MappedFile();
        RunUntilSaved(file, 1);
        var stat = Proc.Run("stat", ["-c", "%.9Y", file]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        using (var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Seek(5000, SeekOrigin.Begin);
            var b = f.ReadByte();
            f.Seek(5000, SeekOrigin.Begin);
            f.WriteByte((byte)(b ^ 0xff));
        }
        Assert.True(Proc.Run("touch", ["-d", "@" + stat.Stdout.Trim(), file]).ExitCode == 0);
        var before = ImageHash.Of(Image);
        var shim = Path.Combine(Repo.Root, "build", "bin", "zhuque-shim");
        var r = Proc.Run("bash", ["-c", "exec 3<\"$1\" 4<\"$1/lock\"; exec \"$2\" resume 3 4 \"$3\"", "-", Image, shim, programs.Zhuque("maps")]);
        Assert.True(r.ExitCode == 118, r.ToString());
        Assert.Contains($"a file the program mapped changed since the image was saved (its contents): {file}", r.Stderr);
        Assert.Equal(before, ImageHash.Of(Image));
    }

    [Fact]
    public void TheArenaFileIsAsLongAsTheMemoryHandedOut()
    {
        // Filled in well under a second, and held two more.
        RunUntilSaved("-", 64, "1.2");
        var length = new FileInfo(Path.Combine(Image, "regions", "arena")).Length;
        Assert.InRange(length, 64L << 20, 72L << 20);
        var r = Zhuque("resume", Image);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    /// <summary>
    /// A program that maps and unmaps over and over reuses its addresses,
    /// and the file is cut back after memory at its top is unmapped: its
    /// length stays near what is in use (1 MiB here, with a few MiB of
    /// slack), not the sum of everything ever mapped (2 GiB).
    /// </summary>
    [Fact]
    public void TheArenaFileDoesNotGrowWithMappingsThatAreGone()
    {
        RunUntilSaved("-", 1, "1.2", 2048);
        var length = new FileInfo(Path.Combine(Image, "regions", "arena")).Length;
        Assert.InRange(length, 1L << 20, 16L << 20);
        var r = Zhuque("resume", Image);
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    public void Dispose() => _tmp.Dispose();
}
