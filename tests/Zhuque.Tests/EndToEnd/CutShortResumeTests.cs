using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// A resume killed half way (the service manager's stop timeout, the OOM
/// killer, a second power cut) must leave an image that still resumes and
/// computes what an uninterrupted run computes: the shim's and the
/// threads' writes before the program runs again are outside the checksum,
/// and musl's tids are rewritten in a way a second resume can repeat.
/// The shim is killed (SIGKILL) at random moments of its resume.
/// </summary>
public sealed partial class CutShortResumeTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    [Fact]
    public void AResumeKilledHalfWayLeavesAnImageThatResumes()
    {
        const string rounds = "200";
        var want = Proc.Run(programs.Native("torture"), [rounds]);
        Assert.True(want.ExitCode == 0, want.ToString());
        var random = new Random();
        var cut = 0;
        var lost = 0;
        // The kill moves towards the end of the resume while it lands in
        // time and back when it comes after the program ran: the moments
        // tried gather where the shim and the threads write.
        var window = 0.002;
        for (var run = 0; cut < 10; run++)
        {
            Assert.True(run < 40, $"only {cut} resumes were cut short while the image stayed saved ({lost} kills came after the program ran again)");
            var image = _tmp[$"img{run}"];
            var first = ZhuqueCli.Run(_tmp["state"], "run", "--image", image, "--fail-after", "0.05", "--", programs.Zhuque("torture"), rounds);
            if (first.ExitCode != 158)
                continue; // it finished before the failure: try again
            var output = first.Stdout;
            for (var attempt = 0; attempt < 6; attempt++)
            {
                KillShimDuringResume(image, random.NextDouble() * window);
                if (State(image) == "saved")
                {
                    cut++;
                    window *= 1.2;
                    continue;
                }
                lost++;
                window *= 0.6;
                break;
            }
            if (State(image) != "saved")
                continue;
            var last = ZhuqueCli.Run(_tmp["state"], "resume", image);
            Assert.True(last.ExitCode == 0, $"the resume after {cut} cut short ones: {last}");
            var digest = (output + last.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            Assert.Equal(want.Stdout.Trim(), digest);
        }
    }

    /// <summary>Starts `zhuque resume`, and SIGKILLs the shim it starts after the delay.</summary>
    void KillShimDuringResume(string image, double seconds)
    {
        var info = new ProcessStartInfo(Repo.Zhuque) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("resume");
        info.ArgumentList.Add(image);
        info.Environment["XDG_STATE_HOME"] = _tmp["state"];
        using var launcher = Process.Start(info)!;
        var stdout = launcher.StandardOutput.ReadToEndAsync();
        var stderr = launcher.StandardError.ReadToEndAsync();
        // Held by a pidfd from the start: when the delay outlasts the resume,
        // the kill must not reach whatever process took the pid since.
        using var shim = PidFd.Open(WaitForChild(launcher.Id));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
            Thread.SpinWait(100);
        shim?.Signal(9);
        if (!launcher.WaitForExit(60_000))
        {
            launcher.Kill(entireProcessTree: true);
            Assert.Fail($"zhuque resume did not end after its shim was killed: {stderr.Result}");
        }
        launcher.WaitForExit();
        _ = stdout.Result;
    }

    static int WaitForChild(int pid)
    {
        var clock = Stopwatch.StartNew();
        var path = $"/proc/{pid}/task/{pid}/children";
        while (clock.ElapsedMilliseconds < 10_000)
        {
            try
            {
                var children = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (children.Length > 0)
                    return int.Parse(children[0], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return 0; // the launcher is gone already
            }
            Thread.SpinWait(50);
        }
        return 0;
    }

    string State(string image)
    {
        var r = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", image);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("state").GetString()!;
    }

    public void Dispose() => _tmp.Dispose();
}
