using CommandLine;
using Zhuque.Launcher.Snapshot;

namespace Zhuque.Launcher.Verbs;

[Verb("snapshot", HelpText = "Copy a running image into a new resumable image while the program goes on: zhuque snapshot IMAGE --to DIR")]
public sealed class SnapshotVerb : VerbOptions
{
    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "Image directory of a running program, or an image name as `list` shows it.")]
    public string Image { get; set; } = "";

    [Option("to", Required = true, MetaValue = "DIR", HelpText = "The new image directory (created; must be empty).")]
    public string To { get; set; } = "";

    [Value(1, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        return new SnapshotCommand(new SnapshotRequest(Image, To, Verbose), Console.Out).Execute();
    }
}
