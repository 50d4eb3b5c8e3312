using System.Text.Json;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// `run` on an image that holds a saved failure of the same program resumes
/// it (what a service manager's restart does); another program is refused
/// (123); --fresh says what it discards and starts over.
/// </summary>
public sealed class RunOrResumeTests(SpinHereProgram spin) : IClassFixture<SpinHereProgram>, IDisposable
{
    readonly SpinImage _image = new(spin);

    string Image => _image.Path;

    ProcResult Zhuque(params string[] args) => _image.Zhuque(args);

    void Save() => _image.Save();

    JsonElement Report() => JsonDocument.Parse(Zhuque("inspect", "--json", Image).Stdout).RootElement.Clone();

    [Fact]
    public void TheSameCommandResumesTheSavedFailure()
    {
        Save();
        var r = Zhuque("run", "--image", Image, "--fail-after", "0.2", "--", spin.Path);
        Assert.True(r.ExitCode == 158, r.ToString());
        Assert.Contains($"zhuque: resuming the saved failure in {Image} (use --fresh to start over)", r.Stderr);
        Assert.Equal("", r.Stdout); // not started afresh: "spinning" is not printed again
        var report = Report();
        Assert.Equal(2, report.GetProperty("failures").GetInt32());
        Assert.Equal(1, report.GetProperty("resumes").GetInt32());
        Assert.Contains(report.GetProperty("history").EnumerateArray(), h => h.GetProperty("event").GetString() == "resume");
    }

    [Fact]
    public void AnotherProgramIs123AndTheImageStays()
    {
        Save();
        var before = ImageHash.Of(Image);
        var line = ZhuqueCli.AssertOneLineError(Zhuque("run", "--image", Image, "--", spin.Other), 123);
        Assert.Contains($"holds a saved failure of {spin.Path}", line);
        Assert.Contains("--fresh", line);
        Assert.Equal(before, ImageHash.Of(Image));
    }

    [Fact]
    public void FreshSaysWhatItDiscardsAndStartsOver()
    {
        Save();
        var r = Zhuque("run", "--fresh", "--image", Image, "--", spin.Other);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains($"zhuque: discarding the saved failure in {Image}", r.Stderr);
        Assert.Equal("exited", Report().GetProperty("state").GetString());
    }

    public void Dispose() => _image.Dispose();
}
