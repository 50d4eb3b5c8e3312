using CommandLine;
using Zhuque.Launcher;
using Zhuque.Launcher.Cli;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Verbs;

// Registers the verbs and dispatches; the verbs hand their options to workers.
// Anything that escapes is zhuque's own bug: one line and 125, no stack trace.
StandardStreams.Install();
try
{
    // The parser writes help (and, on errors, a whole usage page) here; only
    // an explicit --help or --version gets to show it.
    using var help = new StringWriter();
    using var parser = new Parser(s =>
    {
        s.HelpWriter = help;
        s.EnableDashDash = true;
        s.CaseSensitive = true;
        s.AutoHelp = true;
        s.AutoVersion = true;
    });
    var result = parser.ParseArguments<RunVerb, ResumeVerb, CrashVerb, InspectVerb, CoreVerb, SnapshotVerb, ListVerb, RmVerb>(RunArguments.Normalize(args));
    return result.MapResult(
        (VerbOptions verb) => verb.Execute(),
        errors => UsageErrors.Report(result, errors, help.ToString(), Console.Out, Console.Error));
}
catch (ZhuqueException e)
{
    Console.Error.WriteLine($"zhuque: {Failures.OneLine(e.Message)}");
    return (int)e.Code;
}
catch (Exception e)
{
    Console.Error.WriteLine($"zhuque: internal error: {Failures.OneLine(e.Message)}");
    return (int)ReturnCode.UsageOrInternal;
}
