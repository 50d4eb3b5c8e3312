using CommandLine;
using Zhuque.Launcher.Resume;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Verbs;

[Verb("resume", HelpText = "Resume a saved power failure at the exact instruction: zhuque resume IMAGE [--fail-after SECONDS] [--end-on-signal] [--cgroup DIR] [-v]")]
public sealed class ResumeVerb : VerbOptions
{
    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "Image directory, or an image name as `list` shows it.")]
    public string Image { get; set; } = "";

    [Option("fail-after", MetaValue = "SECONDS", HelpText = "Simulate another power failure (SIGPWR to the program) that many seconds after the resume.")]
    public double? FailAfter { get; set; }

    [Option("end-on-signal", HelpText = "As for run: an unhandled SIGTERM, SIGINT, SIGHUP or SIGQUIT ends the program instead of being saved.")]
    public bool EndOnSignal { get; set; }

    [Option("cgroup", MetaValue = "DIR", HelpText = "As for run: a cgroup directory the resumed program alone joins.")]
    public string? Cgroup { get; set; }

    [Value(1, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        return new ResumeCommand(new ResumeRequest(Image, SecondsOption.Check("--fail-after", FailAfter), Verbose, EndOnSignal, CgroupOption.Check(Cgroup)),
            ShimSpawner.ShimPath, ShimSpawner.GuardPath).Execute();
    }
}
