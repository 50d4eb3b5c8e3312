using CommandLine;

namespace Zhuque.Launcher.Verbs;

/// <summary>Options every verb has, and the hand-over from parsing to the verb's worker.</summary>
public abstract class VerbOptions
{
    [Option('v', "verbose", HelpText = "Log debug details to stderr (the image log gets them too).")]
    public bool Verbose { get; set; }

    /// <summary>Runs the verb; returns zhuque's exit status.</summary>
    public abstract int Execute();
}
