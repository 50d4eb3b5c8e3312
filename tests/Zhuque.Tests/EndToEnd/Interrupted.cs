using System.Diagnostics;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>What a program printed across its run and every resume, and how it ended.</summary>
public sealed record InterruptedRun(int ExitCode, int Failures, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode} after {Failures} failures\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs a program under zhuque and cuts its power after each delay in
/// turn (run --fail-after, then resume --fail-after), resuming until it
/// ends on its own; after the last delay it resumes without failing.
/// </summary>
public sealed class Interrupter(string stateHome, string image)
{
    public InterruptedRun Run(string program, IEnumerable<string> args, IEnumerable<double> delays,
        string? stdinOnResume = null, int stepTimeoutMs = 120_000)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        using var delay = delays.GetEnumerator();
        var failures = 0;
        List<string> cmd = ["run", "--image", image];
        cmd.AddRange(FailAfter(delay));
        cmd.Add("--");
        cmd.Add(program);
        cmd.AddRange(args);
        for (var first = true; ; first = false)
        {
            // Before the first failure stdin stays open and empty, so that a
            // program can block reading it; the resume brings the text.
            var (code, o, e) = Step(cmd, first ? null : stdinOnResume, keepStdinOpen: first && stdinOnResume is not null, stepTimeoutMs);
            stdout.Append(o);
            stderr.Append(e);
            if (code != 158)
                return new InterruptedRun(code, failures, stdout.ToString(), stderr.ToString());
            failures++;
            cmd = ["resume"];
            cmd.AddRange(FailAfter(delay));
            cmd.Add(image);
        }
    }

    static IEnumerable<string> FailAfter(IEnumerator<double> delay) =>
        delay.MoveNext() ? ["--fail-after", delay.Current.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)] : [];

    (int, string, string) Step(List<string> args, string? stdin, bool keepStdinOpen, int timeoutMs)
    {
        var info = new ProcessStartInfo(Repo.Zhuque)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["XDG_STATE_HOME"] = stateHome;
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        if (stdin is not null)
            p.StandardInput.Write(stdin);
        if (!keepStdinOpen)
            p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"zhuque {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        p.WaitForExit();
        if (keepStdinOpen)
            p.StandardInput.Close();
        return (p.ExitCode, o.Result, e.Result);
    }
}
