using CommandLine;
using Zhuque.Launcher.Core;

namespace Zhuque.Launcher.Verbs;

[Verb("core", HelpText = "Write an ELF core file of a saved or faulted image, for gdb: zhuque core IMAGE [-o FILE]")]
public sealed class CoreVerb : VerbOptions
{
    [Value(0, MetaName = "IMAGE", Required = true, HelpText = "Image directory, or an image name as `list` shows it.")]
    public string Image { get; set; } = "";

    [Option('o', "output", MetaValue = "FILE", HelpText = "The core file to write (default: core.PID in the current directory).")]
    public string? Output { get; set; }

    [Value(1, Hidden = true)]
    public IEnumerable<string> Extra { get; set; } = [];

    public override int Execute()
    {
        ExtraArguments.Refuse(Extra);
        return new CoreCommand(new CoreRequest(Image, Output, Verbose), Console.Out, Console.Error).Execute();
    }
}
