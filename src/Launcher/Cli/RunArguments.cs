using System.Reflection;
using CommandLine;
using Zhuque.Launcher.Verbs;

namespace Zhuque.Launcher.Cli;

/// <summary>
/// `zhuque run PROG -x` must hand -x to PROG, but the parser would take it
/// for an option of run. So, for run, a "--" is inserted before the first
/// word that is not one of run's own options (unless the user wrote one).
/// Which options take a value is read from RunVerb itself.
/// </summary>
public static class RunArguments
{
    public static string[] Normalize(string[] args)
    {
        if (args.Length == 0 || args[0] != "run")
            return args;
        var withValue = OptionsWithValue();
        for (var i = 1; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--")
                return args;
            if (a.Length > 1 && a[0] == '-')
            {
                if (withValue.Contains(a))
                {
                    // `run --image -- ./prog`: the parser would take "--" for the value
                    // and then look for a program named "--".
                    if (i + 1 < args.Length && args[i + 1] == "--")
                        throw new ZhuqueException(ReturnCode.UsageOrInternal, $"option '{a}' needs a value");
                    i++; // its value follows; --image=DIR carries it along
                }
                continue;
            }
            return [.. args[..i], "--", .. args[i..]];
        }
        return args;
    }

    static HashSet<string> OptionsWithValue()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in typeof(RunVerb).GetProperties())
        {
            if (p.GetCustomAttribute<OptionAttribute>() is not { } o || p.PropertyType == typeof(bool))
                continue;
            if (!string.IsNullOrEmpty(o.LongName))
                names.Add("--" + o.LongName);
            if (!string.IsNullOrEmpty(o.ShortName))
                names.Add("-" + o.ShortName);
        }
        return names;
    }
}
