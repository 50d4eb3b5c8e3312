using System.Reflection;
using CommandLine;

namespace Zhuque.Launcher.Cli;

/// <summary>
/// What to do when parsing fails: help and version go to stdout with
/// status 0; any real error is one line on stderr and 125, never the help
/// screen (a script's log should show the mistake, not a page of usage).
/// </summary>
public static class UsageErrors
{
    const string Commands = "run, resume, crash, inspect, list, rm";

    // helpText is what the parser wrote to its HelpWriter: shown only when help or version was asked for.
    public static int Report<T>(ParserResult<T> result, IEnumerable<Error> errors, string helpText, TextWriter stdout, TextWriter stderr)
    {
        var list = errors.ToList();
        if (list.Any(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.HelpVerbRequestedError or ErrorType.VersionRequestedError))
        {
            stdout.Write(helpText);
            return (int)ReturnCode.Success;
        }
        // A missing argument is often the consequence of another mistake
        // (an option that swallowed it), so report that one first.
        var first = list.OrderBy(e => e is MissingRequiredOptionError ? 1 : 0).FirstOrDefault();
        stderr.WriteLine($"zhuque: {Describe(first, result.TypeInfo.Current)}");
        return (int)ReturnCode.UsageOrInternal;
    }

    static string Describe(Error? error, Type verb) => error switch
    {
        UnknownOptionError e => $"unknown option '{Dashes(e.Token)}'",
        MissingRequiredOptionError e when e.NameInfo.NameText.Length == 0 => $"{VerbName(verb)}: missing {RequiredValues(verb)}",
        MissingRequiredOptionError e => $"{VerbName(verb)}: missing option '{Dashes(e.NameInfo.NameText)}'",
        MissingValueOptionError e => $"option '{Dashes(e.NameInfo.NameText)}' needs a value",
        BadFormatConversionError e => $"bad value for '{Dashes(e.NameInfo.NameText)}'",
        RepeatedOptionError e => $"option '{Dashes(e.NameInfo.NameText)}' given twice",
        SequenceOutOfRangeError e => $"wrong number of values for {e.NameInfo.NameText}",
        BadVerbSelectedError e when e.Token.StartsWith('-') => $"unknown option '{e.Token}'; commands: {Commands}",
        BadVerbSelectedError e => $"unknown command '{e.Token}'; commands: {Commands}",
        NoVerbSelectedError => $"no command given; commands: {Commands}",
        null => "invalid command line",
        _ => $"invalid command line ({error.Tag})",
    };

    static string VerbName(Type verb) => verb.GetCustomAttribute<VerbAttribute>()?.Name ?? "zhuque";

    /// <summary>The names of the verb's required positional arguments, e.g. PROG.</summary>
    static string RequiredValues(Type verb) => string.Join(" ", verb.GetProperties()
        .Select(p => p.GetCustomAttribute<ValueAttribute>())
        .Where(v => v is { Required: true })
        .OrderBy(v => v!.Index)
        .Select(v => v!.MetaName));

    static string Dashes(string name) =>
        name.StartsWith('-') ? name : name.Length == 1 ? "-" + name : "--" + name;
}
