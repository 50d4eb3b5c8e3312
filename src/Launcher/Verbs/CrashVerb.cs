using CommandLine;
using Zhuque.Launcher.Crash;

namespace Zhuque.Launcher.Verbs;

[Verb("crash", HelpText = "Simulate a power failure of a running image (SIGPWR) and wait until it is saved: zhuque crash IMAGE [--timeout SECONDS]")]
public sealed class CrashVerb : VerbOptions
{
    public const double DefaultTimeout = 30;

    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "Image directory, or an image name as `list` shows it.")]
    public string Image { get; set; } = "";

    [Option("timeout", MetaValue = "SECONDS", Default = DefaultTimeout, HelpText = "How long to wait for the save.")]
    public double Timeout { get; set; } = DefaultTimeout;

    [Value(1, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        var timeout = SecondsOption.Check("--timeout", Timeout) ?? DefaultTimeout;
        return new CrashCommand(new CrashRequest(Image, TimeSpan.FromSeconds(timeout), Verbose), Console.Out).Execute();
    }
}
