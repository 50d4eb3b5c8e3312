using CommandLine;
using Zhuque.Launcher.Inspect;

namespace Zhuque.Launcher.Verbs;

[Verb("inspect", HelpText = "Show what an image holds: program, state, regions, history.")]
public sealed class InspectVerb : VerbOptions
{
    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "Image directory, or an image name as `list` shows it.")]
    public string Image { get; set; } = "";

    [Option("json", HelpText = "Print a JSON object instead of text.")]
    public bool Json { get; set; }

    [Value(1, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        return new InspectCommand(new InspectRequest(Image, Json, Verbose), Console.Out).Execute();
    }
}
