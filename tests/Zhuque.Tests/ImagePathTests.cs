using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// The image path and the files in it, against a user who can write a
/// parent directory or put odd files in an image: no symbolic link is
/// followed in any component (but root's own, /var/run), parents are
/// created 0700 whatever the umask, a FIFO makes no verb wait, and every
/// odd path gets one line and its code (issue 11, items 14, 15, 16).
/// </summary>
public sealed class ImagePathTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    readonly TempDir _tmp = new();

    ProcResult Zhuque(params string[] args) => ZhuqueCli.Run(_tmp["state"], args);

    string Saved(string path)
    {
        Directory.CreateDirectory(_tmp["cwd"]);
        return SavedImages.Create(path, ZqState.Saved, programs.Static, _tmp["cwd"]);
    }

    /// <summary>A symbolic link owned by another user (nobody), as one planted by them would be.</summary>
    void ForeignLink(string link, string target)
    {
        File.CreateSymbolicLink(link, target);
        var r = Proc.Run("chown", ["-h", "nobody", link]);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void MissingParentsAreCreated0700UnderUmask000()
    {
        var image = Path.Combine(_tmp.Path, "a", "b", "img");
        var r = Proc.Run("sh", ["-c", "umask 000; exec \"$@\"", "sh", Repo.Zhuque, "run", "--image", image, "--", programs.Static],
            new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] });
        Assert.True(r.ExitCode == 7, r.ToString());
        foreach (var dir in new[] { _tmp["a"], Path.Combine(_tmp.Path, "a", "b"), image })
            Assert.Equal(Private, File.GetUnixFileMode(dir));
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("resume")]
    [InlineData("crash")]
    [InlineData("rm")]
    public void AForeignSymlinkInAParentIsRefusedNamingIt(string verb)
    {
        var real = Directory.CreateDirectory(_tmp["real"]).FullName;
        var image = Saved(Path.Combine(real, "img"));
        ForeignLink(_tmp["link"], real);
        var before = SavedImages.Snapshot(image);
        var line = ZhuqueCli.AssertOneLineError(Zhuque(verb, Path.Combine(_tmp["link"], "img")), 120);
        Assert.Contains($"{_tmp["link"]} is a symbolic link owned by uid 65534", line);
        Assert.Equal(before, SavedImages.Snapshot(image));
        Assert.False(File.Exists(Path.Combine(image, "zhuque.log")), "nothing is written through the link");
    }

    [Fact]
    public void RunCreatesNothingThroughAForeignSymlink()
    {
        var real = Directory.CreateDirectory(_tmp["real"]).FullName;
        ForeignLink(_tmp["link"], real);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", Path.Combine(_tmp["link"], "new", "img"), "--", programs.Static), 120);
        Assert.Contains("symbolic link", line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(real));
    }

    [Fact]
    public void RootsOwnLinkAboveTheImageIsFollowed()
    {
        // Debian's /var/run -> /run: owned by root, in a directory only root can write.
        Assert.True(new FileInfo("/var/run").LinkTarget is not null, "this test needs /var/run to be a symbolic link");
        using var run = new TempDir("/run");
        var image = Saved(Path.Combine(run.Path, "img"));
        var viaLink = Path.Combine("/var/run", Path.GetFileName(run.Path), "img");
        var r = Zhuque("inspect", viaLink);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("state:     saved", r.Stdout);
        // The image itself is never a link, root's or not.
        File.CreateSymbolicLink(Path.Combine(run.Path, "alias"), image);
        Assert.Contains("is a symbolic link", ZhuqueCli.AssertOneLineError(Zhuque("inspect", Path.Combine(run.Path, "alias")), 120));
    }

    [Theory]
    [InlineData("manifest.json", "inspect")]
    [InlineData("manifest.json", "resume")]
    [InlineData("context", "inspect")]
    [InlineData("context", "resume")]
    [InlineData("context", "run")]
    [InlineData("zhuque.log", "resume")]
    [InlineData("lock", "resume")]
    public void AFifoInTheImageIsRefusedWithoutWaiting(string name, string verb)
    {
        var image = Saved(_tmp["img"]);
        var file = Path.Combine(image, name);
        File.Delete(file);
        Assert.Equal(0, Proc.Run("mkfifo", [file]).ExitCode);
        string[] args = verb == "run" ? ["run", "--image", image, "--", programs.Static] : [verb, image];
        var r = Proc.Run(Repo.Zhuque, args, new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] }, timeoutMs: 20_000);
        var line = ZhuqueCli.AssertOneLineError(r, 122);
        Assert.Contains($"{name} is a FIFO, not a regular file", line);
    }

    [Fact]
    public void ListShowsAnImageWithAFifoAsCorrupt()
    {
        var root = Path.Combine(_tmp["state"], "zhuque", "images");
        Directory.CreateDirectory(root);
        var image = Saved(Path.Combine(root, "kv"));
        File.Delete(Path.Combine(image, "manifest.json"));
        Assert.Equal(0, Proc.Run("mkfifo", [Path.Combine(image, "manifest.json")]).ExitCode);
        var r = Proc.Run(Repo.Zhuque, ["list"], new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] }, timeoutMs: 20_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("kv  corrupt", r.Stdout);
    }

    [Fact]
    public void AnEmptyImagePathIsAUsageError()
    {
        Assert.Contains("IMAGE is an empty string", ZhuqueCli.AssertOneLineError(Zhuque("resume", ""), 125));
        Assert.Contains("IMAGE is an empty string", ZhuqueCli.AssertOneLineError(Zhuque("inspect", ""), 125));
        Assert.Contains("--image is an empty string", ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", "", "--", programs.Static), 125));
    }

    [Fact]
    public void AnImageUnderAFileIsNotADirectory()
    {
        File.WriteAllText(_tmp["file"], "data");
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", Path.Combine(_tmp["file"], "img"), "--", programs.Static), 120);
        Assert.Equal($"zhuque: image {_tmp["file"]}/img: {_tmp["file"]} is not a directory", line);
        line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", "/dev/null/img", "--", programs.Static), 120);
        Assert.Equal("zhuque: image /dev/null/img: /dev/null is not a directory", line);
        ZhuqueCli.AssertOneLineError(Zhuque("inspect", "/dev/null/img"), 120);
        Assert.Equal("data", File.ReadAllText(_tmp["file"]));
    }

    [Fact]
    public void AManifestThatIsADirectoryIsCorrupt()
    {
        var image = Saved(_tmp["img"]);
        File.Delete(Path.Combine(image, "manifest.json"));
        Directory.CreateDirectory(Path.Combine(image, "manifest.json"));
        foreach (var verb in new[] { "inspect", "resume" })
            Assert.Contains("manifest.json is a directory, not a regular file", ZhuqueCli.AssertOneLineError(Zhuque(verb, image), 122));
        Assert.Contains("manifest.json is a directory", ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", image, "--", programs.Static), 122));
    }

    [Fact]
    public void AFilesystemThatCannotHoldTheArenaIsOneClearLine()
    {
        // ext4 with 1 KiB blocks: its largest file is 16 GiB, the arena 8 TiB (sparse).
        Assert.True(Environment.UserName == "root", "this test mounts a loop filesystem and needs root");
        var disk = _tmp["ext4.img"];
        var mount = Directory.CreateDirectory(_tmp["mnt"]).FullName;
        Proc.Check("truncate", "-s", "64M", disk);
        Proc.Check("mkfs.ext4", "-q", "-b", "1024", disk);
        Proc.Check("mount", "-o", "loop", disk, mount);
        try
        {
            var image = Path.Combine(mount, "img");
            var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", image, "--", programs.Static), 125);
            Assert.Contains($"the filesystem of {image} cannot hold the image's 8 TiB sparse arena file", line);
            Assert.Equal(["lock", "zhuque.log"], Directory.EnumerateFileSystemEntries(image).Select(Path.GetFileName).Order());
        }
        finally
        {
            Proc.Run("umount", ["-l", mount]);
        }
    }

    public void Dispose() => _tmp.Dispose();
}
