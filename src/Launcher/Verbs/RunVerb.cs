using CommandLine;
using Zhuque.Launcher.Run;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Verbs;

[Verb("run", HelpText = "Run a program with all of its memory in an image: zhuque run [--image DIR] [--fresh] [--fail-after SECONDS] [--lazy-space] [--end-on-signal] [--cgroup DIR] [--dirty-limit MIB] [-v] -- PROG [ARGS...]")]
public sealed class RunVerb : VerbOptions
{
    [Option("image", MetaValue = "DIR", HelpText = "Image directory (default: $XDG_RUNTIME_DIR/zhuque/images/PROG, else $XDG_STATE_HOME/zhuque/images/PROG).")]
    public string? Image { get; set; }

    [Option("fresh", HelpText = "Discard what the image holds (saved, lost or faulted run) and start over.")]
    public bool Fresh { get; set; }

    [Option("fail-after", MetaValue = "SECONDS", HelpText = "Simulate a power failure (SIGPWR to the program) that many seconds after the start.")]
    public double? FailAfter { get; set; }

    [Option("lazy-space", HelpText = "Let memory take its file space at its first store, not at mmap: faster, but a full disk is then a SIGBUS in the program, not an ENOMEM.")]
    public bool LazySpace { get; set; }

    [Option("end-on-signal", HelpText = "An unhandled SIGTERM, SIGINT, SIGHUP or SIGQUIT ends the program (its image is kept as lost) instead of being saved like a SIGKILL.")]
    public bool EndOnSignal { get; set; }

    [Option("cgroup", MetaValue = "DIR", HelpText = "A cgroup directory (v1 or v2) the program alone joins before its first instruction, e.g. one with a memory limit; zhuque and its guard stay where they are.")]
    public string? Cgroup { get; set; }

    [Option("dirty-limit", MetaValue = "MIB", HelpText = "On a disk filesystem, start writing the image's dirty pages back once they pass half of this, so that a failure has about this much left to flush (default 64; 0: leave it to the kernel).")]
    public int? DirtyLimit { get; set; }

    [Value(0, MetaName = "PROG", Required = true, HelpText = "The program and its arguments.")]
    public IEnumerable<string> Command { get; set; } = [];

    public override int Execute() =>
        new RunCommand(new RunRequest(Image, Fresh, Verbose, [.. Command], SecondsOption.Check("--fail-after", FailAfter), LazySpace, EndOnSignal,
            CgroupOption.Check(Cgroup), DirtyLimitOption.Check(DirtyLimit)),
            ShimSpawner.ShimPath, ShimSpawner.GuardPath).Execute();
}
