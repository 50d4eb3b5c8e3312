namespace Zhuque.Launcher.Crash;

/// <summary>What `zhuque crash` was asked to do: Timeout bounds the whole wait, for the program to run and for the save.</summary>
public sealed record CrashRequest(string Image, TimeSpan Timeout, bool Verbose);
