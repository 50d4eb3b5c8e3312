using System.Text.RegularExpressions;

namespace Zhuque.Tests.Support;

/// <summary>Debian's gdb in batch mode on a program and a core file, and what its backtraces say.</summary>
public static partial class Gdb
{
    const string Path = "/usr/bin/gdb";

    public static string Batch(string program, string core, params string[] commands)
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: run scripts/setup (package gdb)");
        List<string> args = ["-batch", "-nx", "-iex", "set auto-load off", "-ex", "set width 0", "-ex", "set print thread-events off"];
        foreach (var c in commands)
            args.AddRange(["-ex", c]);
        var r = Proc.Run(Path, [.. args, program, core], timeoutMs: 120_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout + r.Stderr;
    }

    /// <summary>
    /// `thread apply all bt` output as tid -> function names, innermost first,
    /// up to the first frame gdb cannot name ("??": it cannot unwind further).
    /// gdb's "&lt;signal handler called&gt;" is musl's __restore_rt.
    /// </summary>
    public static Dictionary<int, List<string>> Backtraces(string output)
    {
        var threads = new Dictionary<int, List<string>>();
        List<string>? current = null;
        var stopped = false;
        foreach (var line in output.Split('\n'))
        {
            if (ThreadLine().Match(line) is { Success: true } t)
            {
                threads[int.Parse(t.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = current = [];
                stopped = false;
                continue;
            }
            if (current is null || stopped || FrameLine().Match(line) is not { Success: true } f)
                continue;
            var name = f.Groups[1].Value;
            if (name == "??")
                stopped = true;
            else
                current.Add(name == "<signal handler called>" ? "__restore_rt" : name);
        }
        return threads;
    }

    [GeneratedRegex(@"^Thread \d+ \(LWP (\d+)\)")]
    private static partial Regex ThreadLine();

    [GeneratedRegex(@"^#\d+\s+(?:0x[0-9a-f]+ in )?(<signal handler called>|\S+)")]
    private static partial Regex FrameLine();
}
