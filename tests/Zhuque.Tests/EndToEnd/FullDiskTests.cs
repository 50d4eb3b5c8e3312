using System.Globalization;
using System.Text.RegularExpressions;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// The image's filesystem fills up while the program allocates (tests/c/fill.c
/// on a 48 MiB tmpfs): every kind of allocation must fail with ENOMEM, not
/// kill the program with SIGBUS on a store, and the image saved on that full
/// disk must resume with every block intact.
/// </summary>
public sealed partial class FullDiskTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _state = new();
    readonly SmallFilesystem _fs = new(48);

    [GeneratedRegex(@"^full after (\d+) blocks, errno ENOMEM$")]
    private static partial Regex FullLine();

    LineProcess Zhuque(params string[] args) =>
        new(Repo.Zhuque, args, new Dictionary<string, string> { ["XDG_STATE_HOME"] = _state.Path });

    [Fact]
    public void AProgramThatFillsTheDiskSeesEnomemAndItsImageResumes()
    {
        var image = _fs["img"];
        int blocks;
        using (var run = Zhuque("run", "--image", image, "--", programs.Zhuque("fill")))
        {
            var line = run.ReadLine();
            var full = FullLine().Match(line);
            Assert.True(full.Success, $"expected ENOMEM, got: {line}");
            blocks = int.Parse(full.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(blocks > 100, $"only {blocks} blocks fitted in 48 MiB");

            // Nothing at all left: the save and the resume must need no new space.
            _fs.FillUp("pad");
            Assert.Equal(0, _fs.FreeBytes);
            Assert.Contains("\"space\": \"reserved\"", ZhuqueCli.Run(_state.Path, "inspect", "--json", image).Stdout);
            var crash = ZhuqueCli.Run(_state.Path, "crash", image);
            Assert.True(crash.ExitCode == 0, crash.ToString());
            Assert.Equal(158, run.WaitForExit());
        }

        using var resume = Zhuque("resume", image);
        resume.Send("check");
        Assert.Equal($"intact {blocks}", resume.ReadLine());
        // Freed memory gives its space back: the blocks fit again.
        resume.Send("again");
        var again = resume.ReadLine();
        Assert.StartsWith("again ", again);
        var reallocated = int.Parse(again["again ".Length..], CultureInfo.InvariantCulture);
        Assert.True(reallocated >= (blocks + 1) / 2 - 2, $"{again} of {(blocks + 1) / 2} freed blocks");
        resume.Send("exit");
        Assert.Equal(0, resume.WaitForExit());
    }

    /// <summary>
    /// A munmap may keep the arena's file space for the next mmap
    /// (native/runtime/hold.c); on a full disk that space is given back
    /// before an mmap elsewhere is refused: tests/c/held_space.c frees every
    /// other block of a full disk and maps nearly all of it again in one
    /// piece, then stores to every page.
    /// </summary>
    [Fact]
    public void SpaceHeldForTheNextMmapIsGivenBackWhenTheDiskIsFull()
    {
        using var run = Zhuque("run", "--image", _fs["img"], "--", programs.Zhuque("held_space"));
        Assert.Equal("big ok", run.ReadLine());
        Assert.Equal("stored", run.ReadLine());
        Assert.Equal(0, run.WaitForExit());
    }

    /// <summary>
    /// --lazy-space trades the guarantee for speed, as documented: the same
    /// program's stores meet the full disk and it dies of SIGBUS, its image
    /// kept as faulted. (The test that the option is not the default is
    /// the one above.)
    /// </summary>
    [Fact]
    public void WithLazySpaceAFullDiskIsASigbus()
    {
        var image = _fs["img"];
        using var run = Zhuque("run", "--lazy-space", "--image", image, "--", programs.Zhuque("fill"));
        Assert.Equal(128 + 7, run.WaitForExit());
        Assert.Contains("SIGBUS", run.Stderr);
        var inspect = ZhuqueCli.Run(_state.Path, "inspect", image);
        Assert.Contains("space:     taken at first store (--lazy-space)", inspect.Stdout);
        Assert.Contains("state:     faulted", inspect.Stdout);
    }

    /// <summary>
    /// 1,300 threads on a full disk: the thread table's file cannot grow to
    /// hold them (its first 64 KiB hold about 1,100), so the failure cannot
    /// be saved. It is lost, said so with the reason by crash and run alike
    /// (stderr and zhuque.log), and never reported as saved (158).
    /// </summary>
    [Fact]
    public void AFailureWhoseThreadTableCannotGrowIsLostAndSaysWhy()
    {
        const string why = "the power failure was not saved: the thread table could not grow (ENOSPC: No space left on device)";
        var image = _fs["img"];
        using var run = Zhuque("run", "--image", image, "--", programs.Zhuque("many_threads"), "1300");
        Assert.Equal("ready 1300", run.ReadLine());
        _fs.FillUp("pad");

        var crash = ZhuqueCli.Run(_state.Path, "crash", image);
        Assert.Equal(117, run.WaitForExit());
        Assert.Contains(why, run.Stderr);
        Assert.Contains(why, ZhuqueCli.AssertOneLineError(crash, 117));
        Assert.Contains(why, File.ReadAllText(Path.Combine(image, "zhuque.log")));
        var inspect = ZhuqueCli.Run(_state.Path, "inspect", image).Stdout;
        Assert.Contains("state:     lost", inspect);
        Assert.Contains("lost:      the thread table could not grow (ENOSPC: No space left on device)", inspect);
    }

    /// <summary>No space for a new image: zhuque says so, and once there is space the same command starts.</summary>
    [Fact]
    public void ARunOnAFullDiskIsRefusedAndTheNextOneStarts()
    {
        var image = _fs["img"];
        _fs.FillUp("pad");
        var refused = Proc.Run(Repo.Zhuque, ["run", "--image", image, "--", programs.Zhuque("fill")],
            new Dictionary<string, string> { ["XDG_STATE_HOME"] = _state.Path });
        Assert.True(refused.ExitCode == 125, refused.ToString());
        Assert.Contains("no space for the image", refused.Stderr);
        Assert.All(refused.StderrLines, l => Assert.StartsWith("zhuque: ", l));
        Assert.DoesNotContain("   at ", refused.Stderr);

        File.Delete(_fs["pad"]);
        using var run = Zhuque("run", "--image", image, "--", programs.Zhuque("fill"));
        Assert.Matches(FullLine(), run.ReadLine());
        run.Send("exit");
        Assert.Equal(0, run.WaitForExit());
    }

    public void Dispose()
    {
        _fs.Dispose();
        _state.Dispose();
    }
}
