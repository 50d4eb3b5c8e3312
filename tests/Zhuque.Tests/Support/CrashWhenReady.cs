using System.Diagnostics;

namespace Zhuque.Tests.Support;

/// <summary>
/// Runs a program under `zhuque run`, waits until it prints a given line
/// on stdout (it is then where the test wants it), fails it with `zhuque
/// crash`, and waits for the run to end with the failure saved (158).
/// </summary>
public static class CrashWhenReady
{
    public static void Run(string stateHome, string image, string program, string readyLine, int timeoutMs = 60_000)
    {
        var info = new ProcessStartInfo(Repo.Zhuque)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "run", "--image", image, "--", program })
            info.ArgumentList.Add(a);
        info.Environment["XDG_STATE_HOME"] = stateHome;
        using var run = Process.Start(info)!;
        run.StandardInput.Close();
        var stderr = run.StandardError.ReadToEndAsync();
        try
        {
            var line = run.StandardOutput.ReadLineAsync();
            Assert.True(line.Wait(timeoutMs), $"{program} did not print \"{readyLine}\" in {timeoutMs} ms");
            Assert.Equal(readyLine, line.Result);
            var crash = ZhuqueCli.Run(stateHome, "crash", image);
            Assert.True(crash.ExitCode == 0, crash.ToString());
            Assert.True(run.WaitForExit(timeoutMs), "zhuque run did not end after the crash");
            Assert.True(run.ExitCode == 158, $"zhuque run ended with {run.ExitCode}: {stderr.Result}");
        }
        finally
        {
            if (!run.HasExited)
                run.Kill(entireProcessTree: true);
        }
    }
}
