using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>`zhuque rm IMAGE`: deletes that image directory and nothing else; refuses one in use (121) or not an image (119).</summary>
public sealed class RmTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    ProcResult Zhuque(params string[] args) => ZhuqueCli.Run(_tmp["state"], args);

    string Saved(string path)
    {
        Directory.CreateDirectory(_tmp["cwd"]);
        return SavedImages.Create(path, ZqState.Saved, programs.Static, _tmp["cwd"]);
    }

    [Fact]
    public void RemovesASavedImageByPath()
    {
        var image = Saved(_tmp["img"]);
        File.WriteAllText(Path.Combine(image, "zhuque.log"), "log\n");
        var r = Zhuque("rm", image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        Assert.False(Directory.Exists(image));
        Assert.True(Directory.Exists(_tmp.Path));
    }

    [Fact]
    public void RemovesAnImageByNameInTheDefaultDirectory()
    {
        var root = Path.Combine(_tmp["state"], "zhuque", "images");
        Directory.CreateDirectory(root);
        var image = Saved(Path.Combine(root, "kv"));
        var r = ZhuqueCli.Run(_tmp["state"], ["rm", "kv"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Directory.Exists(image));
        Assert.True(Directory.Exists(root));
    }

    [Fact]
    public void ARunningImageIs121AndStays()
    {
        var image = Saved(_tmp["img"]);
        var before = ImageHash.Of(image);
        using (new Flock(Path.Combine(image, "lock")))
            Assert.Contains("in use", ZhuqueCli.AssertOneLineError(Zhuque("rm", image), 121));
        Assert.Equal(before, ImageHash.Of(image));
    }

    [Fact]
    public void ADirectoryThatIsNotAnImageIs119()
    {
        var dir = _tmp["notes"];
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "todo.txt"), "mine");
        Assert.Contains("not a Zhuque image", ZhuqueCli.AssertOneLineError(Zhuque("rm", dir), 119));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "todo.txt")));
        ZhuqueCli.AssertOneLineError(Zhuque("rm", _tmp["missing"]), 119);
    }

    [Fact]
    public void AnImageHoldingAFileZhuqueDidNotWriteIs119()
    {
        var image = Saved(_tmp["img"]);
        File.WriteAllText(Path.Combine(image, "notes.txt"), "mine");
        var before = ImageHash.Of(image);
        Assert.Contains("notes.txt", ZhuqueCli.AssertOneLineError(Zhuque("rm", image), 119));
        Assert.Equal(before, ImageHash.Of(image));
    }

    [Fact]
    public void RegionsAsASymbolicLinkLosesTheLinkNotItsTarget()
    {
        var image = Saved(_tmp["img"]);
        Directory.Move(Path.Combine(image, "regions"), _tmp["other"]);
        Directory.CreateSymbolicLink(Path.Combine(image, "regions"), _tmp["other"]);
        var r = Zhuque("rm", image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Directory.Exists(image));
        Assert.True(File.Exists(Path.Combine(_tmp["other"], "stack")));
    }

    [Fact]
    public void AnImageThatIsASymbolicLinkIs120()
    {
        var image = Saved(_tmp["img"]);
        Directory.CreateSymbolicLink(_tmp["link"], image);
        ZhuqueCli.AssertOneLineError(Zhuque("rm", _tmp["link"]), 120);
        Assert.True(Directory.Exists(image));
    }

    public void Dispose() => _tmp.Dispose();
}
