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
/// With killWith, the program is sent that signal by its own pid instead
/// (ProgramKiller), the delay counted from the start of zhuque. With
/// runAs, zhuque is started through that command (setpriv as another user).
/// afterSave, when given, is called after each saved failure, before the
/// resume (a test's check of the saved image).
/// </summary>
public sealed class Interrupter(string stateHome, string image, int? killWith = null, IReadOnlyList<string>? runAs = null)
{
    public InterruptedRun Run(string program, IEnumerable<string> args, IEnumerable<double> delays,
        string? stdinOnResume = null, int stepTimeoutMs = 120_000, Action? afterSave = null)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        using var delay = delays.GetEnumerator();
        var failures = 0;
        double? killAfter = null;
        List<string> cmd = ["run", "--image", image];
        cmd.AddRange(FailAfter(delay, ref killAfter));
        cmd.Add("--");
        cmd.Add(program);
        cmd.AddRange(args);
        for (var first = true; ; first = false)
        {
            // Before the first failure stdin stays open and empty, so that a
            // program can block reading it; the resume brings the text.
            var (code, o, e) = Step(cmd, first ? null : stdinOnResume, keepStdinOpen: first && stdinOnResume is not null, stepTimeoutMs, killAfter);
            stdout.Append(o);
            stderr.Append(e);
            // A kill during a resume, before the program ran again, leaves the
            // image as saved (the resume returns 128+N): resume it again.
            if (killWith is { } sig && !first && code == 128 + sig && StillSaved())
            {
                afterSave?.Invoke();
                cmd = ["resume"];
                killAfter = null;
                cmd.AddRange(FailAfter(delay, ref killAfter));
                cmd.Add(image);
                continue;
            }
            if (code != 158)
                return new InterruptedRun(code, failures, stdout.ToString(), stderr.ToString());
            failures++;
            afterSave?.Invoke();
            cmd = ["resume"];
            killAfter = null;
            cmd.AddRange(FailAfter(delay, ref killAfter));
            cmd.Add(image);
        }
    }

    bool StillSaved()
    {
        using var h = File.OpenHandle(Path.Combine(image, "context"));
        return Zhuque.Interpose.Image.ContextReader.Read(h).State == Zhuque.Interpose.Image.ZqState.Saved;
    }

    IEnumerable<string> FailAfter(IEnumerator<double> delay, ref double? killAfter)
    {
        if (!delay.MoveNext())
            return [];
        if (killWith is not null)
        {
            killAfter = delay.Current;
            return [];
        }
        return ["--fail-after", delay.Current.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)];
    }

    (int, string, string) Step(List<string> args, string? stdin, bool keepStdinOpen, int timeoutMs, double? killAfter)
    {
        var info = new ProcessStartInfo(runAs is null ? Repo.Zhuque : runAs[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["XDG_STATE_HOME"] = stateHome;
        List<string> prefix = runAs is null ? [] : [.. runAs.Skip(1), Repo.Zhuque];
        foreach (var a in prefix.Concat(args))
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        using var killer = killAfter is { } seconds ? new ProgramKiller(p.Id, seconds, killWith!.Value) : null;
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
