namespace Zhuque.Launcher.Run;

/// <summary>The program to run: as the user typed it (argv[0]) and its absolute, symlink-free path.</summary>
public sealed record ResolvedProgram(string AsTyped, string Path);
