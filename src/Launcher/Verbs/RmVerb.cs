using CommandLine;
using Zhuque.Launcher.Rm;

namespace Zhuque.Launcher.Verbs;

[Verb("rm", HelpText = "Delete an image directory that no process is using: zhuque rm IMAGE")]
public sealed class RmVerb : VerbOptions
{
    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "Image directory, or an image name as `list` shows it.")]
    public string Image { get; set; } = "";

    [Value(1, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        return new RmCommand(Image, Verbose).Execute();
    }
}
