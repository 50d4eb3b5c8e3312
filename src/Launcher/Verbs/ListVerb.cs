using CommandLine;
using Zhuque.Launcher.List;

namespace Zhuque.Launcher.Verbs;

[Verb("list", HelpText = "List the images in the default image directory.")]
public sealed class ListVerb : VerbOptions
{
    [Value(0, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        return new ListCommand(Verbose, Console.Out).Execute();
    }
}
